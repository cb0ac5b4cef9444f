/**
 * Integration tests that run inside a real VS Code extension host (code-server), with the real
 * language client and the real poe-lsp talking to the fake Poe bot server of tests/fakepoe.py.
 *
 * tests/editors/test_vscode.py sets everything up and passes it in the JSON file named by
 * $POE_VSCODE_TEST_CONFIG; the results go to the file it names, since the extension host's exit
 * code reaches no one. pytest then checks what only it can see: what the fake bot received, and
 * that no file VS Code wrote holds the key.
 */

import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { JobEnded } from '../../src/contract';
import type { PoeApi } from '../../src/extension';

interface SuiteConfig {
  resultFile: string;
  workspace: string;
  apiKey: string;
  /** The source file, and what each bot's answer makes of it. */
  file: string;
  original: string;
  refactored: string;
  asked: string;
  askInstruction: string;
  explanation: string;
  tests: string;
  testFile: string;
  balance: number;
  /** A second key, put into settings.json to be moved into secret storage. */
  settingsKey: string;
  /** What the Source Control button puts into the commit box (the workspace is a git repository). */
  commitMessage: string;
  /** $POE_CHAT_DIRECTORY of code-server, so of the extension host and poe-lsp: a temp folder. */
  chatDirectory: string;
  /** What the chat test asks, and the bot that answers chats (poe.bots.ask). */
  chatQuestion: string;
  chatBot: string;
}

interface Step {
  name: string;
  ms: number;
  error?: string;
}

const config = JSON.parse(readFileSync(process.env.POE_VSCODE_TEST_CONFIG ?? '', 'utf8')) as SuiteConfig;
const EXTENSION_ID = 'poe-lsp.poe-lsp';
const WAIT_MS = 30_000;

let api: PoeApi;
let document: vscode.TextDocument;
const ended: JobEnded[] = [];

const tests: [string, () => Promise<void>][] = [
  ['the extension starts poe-lsp and offers its code actions', codeActions],
  ['without a key, Refactor fails with a message and leaves the code alone', withoutKey],
  ['Set API Key hands the key to the server', setApiKey],
  ['Refactor streams into the editor, as one undo step', refactor],
  ['Explain shows the explanation, and it is the hover of the code', explain],
  ['Ask shows the answer as a diff to review, then applies it as one undo step', ask],
  ['Write tests streams into a new test file, as one undo step', writeTests],
  ['Show What Was Sent opens what the last job sent, as Markdown', showSent],
  ['Run Action… runs a custom action from poe.actions on the selection', runCustomAction],
  ['Cancel stops a job and puts the code back', cancel],
  ['Open Chat starts a chat from the selection beside the code; Send streams the answer in', chat],
  ['a bot taken out of poe.trustedBots is asked about after the restart; dismissed, nothing is sent', untrustedBot],
  ['Show Balance answers', showBalance],
  ['the Source Control button fills the commit box from the staged changes', commitMessage],
  ['a key put in settings.json is moved into secret storage', moveSettingsKey],
  ['a server that cannot be found is explained, with buttons', missingServer],
];

export async function run(): Promise<void> {
  recordMessages();
  const steps: Step[] = [];
  let failed = false;
  for (const [name, body] of tests) {
    const started = Date.now();
    progress(`start: ${name}`);
    try {
      await body();
      steps.push({ name, ms: Date.now() - started });
    } catch (error) {
      failed = true;
      progress(`failed; ${config.file} holds ${JSON.stringify(document.getText())}`);
      steps.push({ name, ms: Date.now() - started, error: error instanceof Error ? error.stack ?? error.message : String(error) });
      break;
    }
  }
  writeFileSync(config.resultFile, JSON.stringify({ passed: !failed, vscode: vscode.version, steps, ended }, null, 2));
}

async function codeActions(): Promise<void> {
  const extension = vscode.extensions.getExtension<PoeApi>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is not loaded`);
  api = await extension.activate();
  api.onDidEndJob((event) => ended.push(event));
  document = await vscode.workspace.openTextDocument(path.join(config.workspace, config.file));
  await vscode.window.showTextDocument(document);
  const whole = new vscode.Range(new vscode.Position(0, 0), document.positionAt(document.getText().length));
  let titles: string[] = [];
  await waitFor('code actions', async () => {
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      document.uri,
      whole,
    );
    titles = actions.map((action) => action.title);
    return titles.includes('Poe: Refactor');
  });
  for (const title of ['Poe: Explain', 'Poe: Refactor', 'Poe: Write tests']) assert.ok(titles.includes(title), titles.join(', '));
}

async function withoutKey(): Promise<void> {
  selectAll();
  const event = await runAndWait('poe.refactorSelection');
  assert.equal(event.outcome, 'failed');
  assert.match(event.message, /Set API Key/);
  assert.equal(document.getText(), config.original);
}

async function setApiKey(): Promise<void> {
  await withInput(config.apiKey, () => vscode.commands.executeCommand('poe.setApiKey'));
}

async function refactor(): Promise<void> {
  const editor = selectAll();
  const versions: string[] = [];
  const listener = vscode.workspace.onDidChangeTextDocument((change) => {
    if (change.document === document && change.contentChanges.length > 0) versions.push(document.getText());
  });
  const event = await runAndWait('poe.refactorSelection');
  listener.dispose();
  assert.equal(event.outcome, 'done', event.message);
  assert.equal(document.getText(), config.refactored);
  assert.ok(new Set(versions).size >= 3, `the answer came in ${versions.length} edit(s), not streamed`);
  assert.equal(event.edits, versions.length);
  await vscode.window.showTextDocument(editor.document);
  await vscode.commands.executeCommand('undo');
  assert.equal(document.getText(), config.original, 'one undo did not restore the code');
  await vscode.commands.executeCommand('redo');
  assert.equal(document.getText(), config.refactored, 'redo did not bring the answer back');
  await vscode.commands.executeCommand('undo');
}

async function explain(): Promise<void> {
  await vscode.workspace.getConfiguration('poe').update('explain.show', 'preview', vscode.ConfigurationTarget.Global);
  selectAll();
  const event = await runAndWait('poe.explainSelection');
  assert.equal(event.outcome, 'done', event.message);
  assert.ok(event.explanation?.includes(config.explanation));
  await waitFor('the explanation preview', () =>
    vscode.workspace.textDocuments.some(
      (shown) => shown.uri.scheme === 'poe-explanation' && shown.getText().includes(config.explanation),
    ),
  );
  await waitFor('the preview tab', () =>
    vscode.window.tabGroups.all.some((group) => group.tabs.some((tab) => tab.label.includes('explained'))),
  );
  const text = await hoverText();
  assert.ok(text.includes(config.explanation), `hover: ${text}`);
  await vscode.workspace.getConfiguration('poe').update('explain.show', undefined, vscode.ConfigurationTarget.Global);
  await vscode.window.showTextDocument(document);
}

async function ask(): Promise<void> {
  selectAll();
  let diffShown = false;
  answers.push([
    /proposes a change to m\.py/,
    'Apply',
    () => {
      diffShown = vscode.window.tabGroups.all.some((group) =>
        group.tabs.some((tab) => tab.input instanceof vscode.TabInputTextDiff && tab.input.modified.scheme === 'poe-proposal'),
      );
    },
  ]);
  // Ask is reviewed by default (poe.review): the answer shows as a diff, to apply or discard.
  const event = await withInput(config.askInstruction, () => runAndWait('poe.askAboutSelection'));
  answers.pop();
  assert.equal(event.outcome, 'done', event.message);
  assert.ok(diffShown, 'the proposed change was not shown as a diff');
  assert.equal(document.getText(), config.asked);
  await waitFor('the diff to close', () =>
    vscode.window.tabGroups.all.every((group) => group.tabs.every((tab) => !(tab.input instanceof vscode.TabInputTextDiff))),
  );
  await vscode.window.showTextDocument(document);
  await vscode.commands.executeCommand('undo');
  assert.equal(document.getText(), config.original, 'one undo did not take the answer back');
}

async function writeTests(): Promise<void> {
  await vscode.window.showTextDocument(document);
  selectAll();
  const event = await runAndWait('poe.writeTestsForSelection');
  assert.equal(event.outcome, 'done', event.message);
  const target = vscode.Uri.file(path.join(config.workspace, config.testFile));
  assert.equal(event.targetUri, target.toString());
  const tests = vscode.workspace.textDocuments.find((open) => open.uri.toString() === target.toString());
  assert.ok(tests, 'the test file is not open');
  await waitFor('the tests', () => tests.getText() === config.tests);
  await vscode.window.showTextDocument(tests);
  await vscode.commands.executeCommand('undo');
  assert.equal(tests.getText(), '', 'one undo did not empty the new test file');
  await vscode.commands.executeCommand('redo');
  assert.equal(tests.getText(), config.tests);
  await tests.save();
  await vscode.window.showTextDocument(document);
}

async function showSent(): Promise<void> {
  const last = ended.at(-1);
  assert.ok(last);
  let offered: string[] = [];
  const shown = await withQuickPick(
    (items) => {
      offered = items.map((item) => item.label);
      return items[0];
    },
    async () => {
      await vscode.commands.executeCommand('poe.showSent');
      let found: vscode.TextDocument | undefined;
      await waitFor('the Markdown of what was sent', () => {
        const active = vscode.window.activeTextEditor?.document;
        found = active?.uri.scheme === 'poe-sent' && active.languageId === 'markdown' ? active : undefined;
        return found !== undefined;
      });
      return found;
    },
  );
  assert.equal(offered[0], last.jobId, `the last job is offered first: ${offered.join(', ')}`);
  assert.ok(offered.length >= 3, `this session's jobs are offered: ${offered.join(', ')}`);
  const text = shown?.getText() ?? '';
  assert.ok(text.startsWith(`# What Poe sent for ${last.jobId.replace(/[-.]/g, (char) => `\\${char}`)}\n`), text.slice(0, 200));
  assert.match(text, /^## User$/m);
  assert.ok(text.includes('def add(a, b):'), 'the selected code is in what was sent');
  assert.match(text, /^## Sources\n\n- `m\.py`$/m);
  await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  await vscode.window.showTextDocument(document);
}

async function runCustomAction(): Promise<void> {
  const poe = vscode.workspace.getConfiguration('poe');
  const action = { id: 'docstring', title: 'Add a docstring', instruction: config.askInstruction, output: 'replace', bot: 'Asker' };
  await poe.update('actions', [action], vscode.ConfigurationTarget.Global);
  await waitFor('the server to offer the action', async () => {
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', document.uri, new vscode.Range(0, 0, 1, 0));
    return actions.some((offered) => offered.title === 'Poe: Add a docstring');
  });
  selectAll();
  let offered: string[] = [];
  const event = await withQuickPick(
    (items) => {
      offered = items.map((item) => `${item.label} (${item.description ?? ''})`);
      return items.find((item) => item.description === action.id);
    },
    () => runAndWait('poe.runAction'),
  );
  assert.ok(offered.includes('Add a docstring (docstring)'), offered.join(', '));
  assert.equal(event.outcome, 'done', event.message);
  assert.equal(document.getText(), config.asked);
  await vscode.commands.executeCommand('undo');
  assert.equal(document.getText(), config.original, 'one undo did not take the answer back');
  await poe.update('actions', undefined, vscode.ConfigurationTarget.Global);
}

async function cancel(): Promise<void> {
  const poe = vscode.workspace.getConfiguration('poe');
  const bots = poe.inspect<Record<string, string>>('bots')?.globalValue;
  await poe.update('bots', { ...bots, refactor: 'Slow' }, vscode.ConfigurationTarget.Global);
  selectAll();
  const done = nextEnd();
  await vscode.commands.executeCommand('poe.refactorSelection');
  await waitFor('the first streamed edit', () => document.getText() !== config.original);
  await vscode.commands.executeCommand('poe.cancelJobs');
  const event = await done;
  assert.equal(event.outcome, 'cancelled');
  assert.equal(document.getText(), config.original);
  await poe.update('bots', bots, vscode.ConfigurationTarget.Global);
}

async function chat(): Promise<void> {
  const code = await vscode.window.showTextDocument(document);
  code.selection = new vscode.Selection(0, 0, 2, 0);
  await vscode.commands.executeCommand('poe.openChat');
  let chatEditor: vscode.TextEditor | undefined;
  await waitFor('the chat to open', () => {
    chatEditor = vscode.window.activeTextEditor;
    return chatEditor?.document.uri.fsPath.startsWith(config.chatDirectory + path.sep) === true;
  });
  assert.ok(chatEditor);
  const chatDocument = chatEditor.document;
  const chatUri = chatDocument.uri.toString();
  assert.equal(path.dirname(chatDocument.uri.fsPath), config.chatDirectory);
  assert.equal(chatDocument.languageId, 'markdown');
  assert.notEqual(chatEditor.viewColumn, code.viewColumn, 'the chat did not open beside the code');
  const tabs = vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter(
    (tab) => tab.input instanceof vscode.TabInputText && tab.input.uri.toString() === chatUri,
  );
  assert.equal(tabs.length, 1, 'the chat opened more than once');
  const begun = chatDocument.getText();
  assert.ok(begun.includes(`Context: \`${config.file}:1-2\``), begun);
  assert.ok(begun.includes(`\`\`\`python\n${config.original}\`\`\``), begun);
  assert.ok(begun.endsWith('## You\n\n'), begun);
  assert.ok(chatEditor.selection.active.isEqual(chatDocument.positionAt(begun.length)), 'the cursor is not under ## You');

  await chatEditor.edit((edit) => {
    edit.insert(chatDocument.positionAt(begun.length), config.chatQuestion);
  });
  assert.ok(chatDocument.getText().endsWith(`## You\n\n${config.chatQuestion}`));
  const offered = await vscode.commands.executeCommand<vscode.CodeAction[]>(
    'vscode.executeCodeActionProvider',
    chatDocument.uri,
    new vscode.Range(0, 0, 0, 0),
  );
  assert.ok(offered.some((action) => action.title === 'Poe: Send'), offered.map((action) => action.title).join(', '));
  const done = nextEnd();
  await vscode.commands.executeCommand('poe.sendChat');
  const event = await done;
  assert.equal(event.outcome, 'done', event.message);
  assert.equal(event.action, 'ask');
  const answered = chatDocument.getText();
  const expected = `## You\n\n${config.chatQuestion}\n\n## ${config.chatBot}\n\n\`\`\`python\n${config.asked}\`\`\`\n\n## You\n\n`;
  assert.ok(answered.startsWith(begun) && answered.endsWith(expected), answered);
  const block = answered.lastIndexOf(config.asked.split('\n')[1] ?? '');
  const apply = await vscode.commands.executeCommand<vscode.CodeAction[]>(
    'vscode.executeCodeActionProvider',
    chatDocument.uri,
    new vscode.Range(chatDocument.positionAt(block), chatDocument.positionAt(block)),
  );
  const titles = apply.map((action) => action.title);
  assert.ok(titles.includes(`Poe: Apply to ${config.file}:1-2`), titles.join(', '));
  assert.ok(await chatDocument.save(), 'the chat was not saved');
  await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
  assert.equal(document.getText(), config.original, 'the chat changed the code');
}

/**
 * The user's poe.trustedBots reaches the server through its environment when the server starts
 * (pytest's settings trust the test bots, and Refactor ran without a question); a change
 * restarts the server, which then asks about a bot no longer listed.
 */
async function untrustedBot(): Promise<void> {
  const poe = vscode.workspace.getConfiguration('poe');
  const trusted = poe.inspect<string[]>('trustedBots')?.globalValue ?? [];
  assert.ok(trusted.includes('Code'), `pytest's user settings trust Code: ${JSON.stringify(trusted)}`);
  await restartedBy(() => poe.update('trustedBots', trusted.filter((bot) => bot !== 'Code'), vscode.ConfigurationTarget.Global));
  let buttons: unknown[] = [];
  answers.push([/Code is not one of your trusted bots/, undefined, (rest) => (buttons = rest)]);
  selectAll();
  const event = await runAndWait('poe.refactorSelection');
  answers.pop();
  assert.deepEqual(
    buttons.map((button) => (button as { title: string }).title),
    ['Allow once', 'Always allow', 'Cancel'],
  );
  assert.equal(event.outcome, 'failed');
  assert.match(event.message, /Nothing was sent to Code/);
  assert.equal(document.getText(), config.original);
  await restartedBy(() => poe.update('trustedBots', trusted, vscode.ConfigurationTarget.Global));
}

/** Run `change` and wait until the server it restarts runs again. */
async function restartedBy(change: () => Thenable<void>): Promise<void> {
  const states: string[] = [];
  const listener = api.onDidChangeServerState((state) => states.push(state));
  try {
    await change();
    await waitFor('the server to restart', () => states.includes('stopped') && states.at(-1) === 'running');
  } finally {
    listener.dispose();
  }
}

async function showBalance(): Promise<void> {
  const shown: string[] = [];
  const window = vscode.window as { showInformationMessage: unknown; showErrorMessage: unknown };
  const [info, error] = [window.showInformationMessage, window.showErrorMessage];
  window.showInformationMessage = window.showErrorMessage = (message: string) => {
    shown.push(message);
    return Promise.resolve(undefined);
  };
  try {
    await vscode.commands.executeCommand('poe.showBalance');
  } finally {
    window.showInformationMessage = info;
    window.showErrorMessage = error;
  }
  assert.deepEqual(shown, [`Poe: your balance is ${config.balance.toLocaleString()} points.`]);
}

async function commitMessage(): Promise<void> {
  interface Repository {
    rootUri: vscode.Uri;
    inputBox: { value: string };
  }
  const extension = vscode.extensions.getExtension<{ getAPI(version: 1): { repositories: Repository[] } }>('vscode.git');
  assert.ok(extension, 'no vscode.git extension');
  const git = (await extension.activate()).getAPI(1);
  await waitFor('the git repository', () => git.repositories.length > 0);
  const [repository] = git.repositories;
  assert.ok(repository);
  const done = nextEnd();
  await vscode.commands.executeCommand('poe.writeCommitMessage', { rootUri: repository.rootUri });
  const event = await done;
  assert.equal(event.outcome, 'done', event.message);
  assert.equal(repository.inputBox.value, config.commitMessage);
  assert.equal(document.getText(), config.original, 'no document was edited');
}

async function moveSettingsKey(): Promise<void> {
  answers.push([/settings\.json is plain text/, 'Move to Secret Storage', () => undefined]);
  const poe = vscode.workspace.getConfiguration('poe');
  await poe.update('apiKey', config.settingsKey, vscode.ConfigurationTarget.Global);
  await waitFor('the key to leave settings.json', () => {
    return vscode.workspace.getConfiguration('poe').inspect('apiKey')?.globalValue === undefined;
  });
  answers.pop();
  // pytest checks that this balance request carried the moved key.
  await vscode.commands.executeCommand('poe.showBalance');
}

async function missingServer(): Promise<void> {
  let buttons: unknown[] = [];
  answers.push([/needs the poe-lsp language server/, undefined, (rest) => (buttons = rest)]);
  const poe = vscode.workspace.getConfiguration('poe');
  await poe.update('server.path', '/nonexistent/poe-lsp', vscode.ConfigurationTarget.Global);
  await waitFor('the message about the missing server', () => buttons.length > 0);
  answers.pop();
  assert.deepEqual(buttons, ['Choose poe-lsp…', 'Open Settings']);
  await poe.update('server.path', undefined, vscode.ConfigurationTarget.Global);
  await waitFor('the server to start again', async () => {
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      document.uri,
      new vscode.Range(0, 0, 1, 0),
    );
    return actions.some((action) => action.title === 'Poe: Refactor');
  });
}

/** The hover text of the document's second line. */
async function hoverText(): Promise<string> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
    'vscode.executeHoverProvider',
    document.uri,
    new vscode.Position(1, 4),
  );
  return hovers
    .flatMap((hover) => hover.contents.map((part) => (typeof part === 'string' ? part : (part as vscode.MarkdownString).value)))
    .join('\n');
}

/** Select the whole document in its editor. */
function selectAll(): vscode.TextEditor {
  const editor = vscode.window.visibleTextEditors.find((shown) => shown.document === document);
  assert.ok(editor, `${config.file} is not shown`);
  editor.selection = new vscode.Selection(new vscode.Position(0, 0), document.positionAt(document.getText().length));
  return editor;
}

/** Run an extension command and wait for the job it started to end. */
async function runAndWait(command: string): Promise<JobEnded> {
  const active = vscode.window.activeTextEditor?.document.uri.toString();
  assert.equal(active, document.uri.toString(), `${command} needs ${config.file} in the active editor`);
  const done = nextEnd();
  await vscode.commands.executeCommand(command);
  return done;
}

function nextEnd(): Promise<JobEnded> {
  const count = ended.length;
  return waitFor('the job to end', () => ended.length > count).then(() => {
    const event = ended[count];
    assert.ok(event);
    return event;
  });
}

/** Answer the next input box with `value` while `body` runs. */
async function withInput<T>(value: string, body: () => Thenable<T>): Promise<T> {
  const window = vscode.window as { showInputBox: unknown };
  const original = window.showInputBox;
  window.showInputBox = () => Promise.resolve(value);
  try {
    return await body();
  } finally {
    window.showInputBox = original;
  }
}

/** Answer the next quick picks with what `choose` picks of their items while `body` runs. */
async function withQuickPick<T>(
  choose: (items: vscode.QuickPickItem[]) => vscode.QuickPickItem | undefined,
  body: () => Thenable<T>,
): Promise<T> {
  const window = vscode.window as { showQuickPick: unknown };
  const original = window.showQuickPick;
  window.showQuickPick = async (items: vscode.QuickPickItem[] | Thenable<vscode.QuickPickItem[]>) => choose(await items);
  try {
    return await body();
  } finally {
    window.showQuickPick = original;
  }
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Scripted answers to notifications: what the message matches, the button to press (undefined:
 * dismiss it), and a hook that gets the buttons offered.
 */
const answers: [RegExp, string | undefined, (buttons: unknown[]) => void][] = [];

/**
 * Copy every notification the extension shows into the progress file (they explain failures),
 * and answer those `answers` names.
 */
function recordMessages(): void {
  const window = vscode.window as unknown as Record<string, (message: string, ...rest: unknown[]) => unknown>;
  for (const name of ['showInformationMessage', 'showWarningMessage', 'showErrorMessage']) {
    const original = window[name];
    if (original === undefined) continue;
    window[name] = (message: string, ...rest: unknown[]) => {
      progress(`${name}: ${message}`);
      const scripted = answers.find(([pattern]) => pattern.test(message));
      if (scripted === undefined) return original.call(vscode.window, message, ...rest);
      scripted[2](rest);
      return Promise.resolve(scripted[1]);
    };
  }
}

function progress(line: string): void {
  appendFileSync(`${config.resultFile}.progress`, `${new Date().toISOString()} ${line}\n`);
}
