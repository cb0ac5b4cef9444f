/**
 * The extension's commands (palette, editor context menu, status bar). The four actions turn the
 * active editor's selection into the contract's argument object and run the server's command.
 */

import * as vscode from 'vscode';
import {
  ACTION_COMMANDS,
  CMD_BALANCE,
  CMD_CANCEL,
  CONFIG_SECTION,
  TITLES,
  type Action,
  type ActionArgs,
  type BalanceResult,
  type CancelResult,
} from './contract';
import type { PoeServer } from './client';
import { chooseBot } from './botCommand';
import { followUp, runCustomAction, showSent } from './jobCommands';
import type { JobTracker } from './jobs';
import type { SentDocuments } from './sentDocuments';
import { promptForKey, type ApiKeyStore } from './secrets';
import { botFor, readSettings } from './settings';
import type { StatusBar } from './statusBar';

/** The extension's own command ids (the server's are in `contract.ts`). */
export const COMMANDS = {
  explain: 'poe.explainSelection',
  refactor: 'poe.refactorSelection',
  writeTests: 'poe.writeTestsForSelection',
  ask: 'poe.askAboutSelection',
  cancel: 'poe.cancelJobs',
  setApiKey: 'poe.setApiKey',
  showBalance: 'poe.showBalance',
  showMenu: 'poe.showMenu',
  showLog: 'poe.showLog',
  restartServer: 'poe.restartServer',
  chooseBot: 'poe.chooseBot',
  showSent: 'poe.showSent',
  runAction: 'poe.runAction',
  followUp: 'poe.followUpJob',
} as const;

export interface CommandDeps {
  server: PoeServer;
  keys: ApiKeyStore;
  status: StatusBar;
  jobs: JobTracker;
  sentDocuments: SentDocuments;
  log: vscode.LogOutputChannel;
}

export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  const { server, keys, status, jobs, sentDocuments, log } = deps;
  const action = (name: Action) => () => runAction(server, name);
  return [
    vscode.commands.registerCommand(COMMANDS.explain, action('explain')),
    vscode.commands.registerCommand(COMMANDS.refactor, action('refactor')),
    vscode.commands.registerCommand(COMMANDS.writeTests, action('writeTests')),
    vscode.commands.registerCommand(COMMANDS.ask, action('ask')),
    vscode.commands.registerCommand(COMMANDS.cancel, () => cancelJobs(server)),
    vscode.commands.registerCommand(COMMANDS.setApiKey, async () => {
      if (await promptForKey(keys)) await server.pushSettings();
    }),
    vscode.commands.registerCommand(COMMANDS.showBalance, () => showBalance(server, status)),
    vscode.commands.registerCommand(COMMANDS.showMenu, showMenu),
    vscode.commands.registerCommand(COMMANDS.showLog, () => {
      status.clearError();
      log.show();
    }),
    vscode.commands.registerCommand(COMMANDS.restartServer, () => server.restart()),
    vscode.commands.registerCommand(COMMANDS.chooseBot, () => chooseBot(server)),
    vscode.commands.registerCommand(COMMANDS.showSent, () => showSent(server, jobs, sentDocuments)),
    vscode.commands.registerCommand(COMMANDS.runAction, () => runCustomAction(server)),
    vscode.commands.registerCommand(COMMANDS.followUp, () => followUp(server, jobs)),
  ];
}

/** Run one action on the active editor's selection (an empty one means the block at the cursor). */
async function runAction(server: PoeServer, action: Action): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (editor === undefined) {
    void vscode.window.showWarningMessage('Poe: open a file and select the code first.');
    return;
  }
  // The bot is named in the arguments, so the job uses the bot the settings name now, even if
  // the server has not pulled a change made a moment ago.
  const bot = botFor(readSettings(vscode.workspace.getConfiguration(CONFIG_SECTION)).server, action);
  let instruction: string | undefined;
  if (action === 'ask') {
    instruction = await vscode.window.showInputBox({
      title: 'Poe: Ask',
      prompt: `What should ${bot} do with the selected code? Its answer replaces the selection.`,
      placeHolder: 'e.g. Add type hints and a docstring',
      ignoreFocusOut: true,
      validateInput: (value) => (value.trim() === '' ? 'Say what the bot should do.' : undefined),
    });
    if (instruction === undefined) return;
  }
  if (!(await ensureRunning(server))) return;
  const { code2ProtocolConverter: c2p } = server.converters;
  const selection = editor.selection;
  const diagnostics = vscode.languages
    .getDiagnostics(editor.document.uri)
    .filter((diagnostic) => diagnostic.range.intersection(selection) !== undefined);
  const args: ActionArgs = {
    textDocument: { uri: c2p.asUri(editor.document.uri) },
    range: c2p.asRange(selection),
    bot,
    ...(instruction === undefined ? {} : { instruction: instruction.trim() }),
    ...(diagnostics.length === 0 ? {} : { diagnostics: await c2p.asDiagnostics(diagnostics) }),
  };
  try {
    await server.execute(ACTION_COMMANDS[action], args);
  } catch (error) {
    void vscode.window.showErrorMessage(`Poe: ${TITLES[action]} did not start: ${errorMessage(error)}`);
  }
}

async function cancelJobs(server: PoeServer): Promise<void> {
  if (server.state !== 'running') {
    void vscode.window.showInformationMessage('Poe: no job is running.');
    return;
  }
  const result = (await server.execute(CMD_CANCEL)) as CancelResult | null;
  if (result === null || result.cancelled.length === 0) {
    void vscode.window.showInformationMessage('Poe: no job is running.');
  }
}

async function showBalance(server: PoeServer, status: StatusBar): Promise<void> {
  if (!(await ensureRunning(server))) return;
  if (!server.supports(CMD_BALANCE)) {
    void vscode.window.showInformationMessage(
      `Poe: this poe-lsp (${server.version ?? 'unknown version'}) cannot tell your points balance yet. ` +
        'Update poe-lsp, or see your balance at https://poe.com/settings.',
    );
    return;
  }
  try {
    const result = (await server.execute(CMD_BALANCE)) as BalanceResult;
    status.setBalance(result.points);
    void vscode.window.showInformationMessage(`Poe: your balance is ${result.points.toLocaleString()} points.`);
  } catch (error) {
    void vscode.window.showErrorMessage(`Poe: ${errorMessage(error)}`);
  }
}

/** Refresh the balance in the status bar after a job, if the user asked for it once. */
export async function refreshBalance(server: PoeServer, status: StatusBar): Promise<void> {
  if (!status.balanceKnown || server.state !== 'running' || !server.supports(CMD_BALANCE)) return;
  try {
    status.setBalance(((await server.execute(CMD_BALANCE)) as BalanceResult).points);
  } catch {
    // The next "Show Balance" says what is wrong; a stale number is better than a popup here.
  }
}

async function showMenu(): Promise<void> {
  const editorOpen = vscode.window.activeTextEditor !== undefined;
  const items: (vscode.QuickPickItem & { command: string })[] = [
    ...(editorOpen
      ? [
          { label: '$(comment-discussion) Explain Selection', command: COMMANDS.explain },
          { label: '$(wand) Refactor Selection', command: COMMANDS.refactor },
          { label: '$(beaker) Write Tests for Selection', command: COMMANDS.writeTests },
          { label: '$(question) Ask About Selection…', command: COMMANDS.ask },
          { label: '$(play) Run Action…', command: COMMANDS.runAction },
          { label: '$(reply) Follow Up…', command: COMMANDS.followUp },
        ]
      : []),
    { label: '$(comment-discussion) Open Chat', command: 'poe.openChat' },
    ...(vscode.window.activeTextEditor?.document.languageId === 'markdown'
      ? [{ label: '$(send) Send (in a chat)', command: 'poe.sendChat' }]
      : []),
    { label: '$(hubot) Choose Bot…', command: COMMANDS.chooseBot },
    { label: '$(eye) Show What Was Sent', command: COMMANDS.showSent },
    { label: '$(key) Set API Key', command: COMMANDS.setApiKey },
    { label: '$(credit-card) Show Balance', command: COMMANDS.showBalance },
    { label: '$(output) Show Log', command: COMMANDS.showLog },
    { label: '$(debug-restart) Restart Server', command: COMMANDS.restartServer },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: 'Poe', placeHolder: 'What should Poe do?' });
  if (picked !== undefined) await vscode.commands.executeCommand(picked.command);
}

/** Start the server if needed; a server that cannot start has told the user why. */
export async function ensureRunning(server: PoeServer): Promise<boolean> {
  if (server.state !== 'running') await server.start();
  return server.state === 'running';
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
