/**
 * The Poe extension: composes the language client, commands, status bar, secret storage, the
 * handling of poe-lsp's edits, and the explanation and review views. Each lives in its own module; this one only wires them together.
 */

import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { PoeServer } from './client';
import { chatDocuments, registerChatCommands } from './chatCommands';
import { registerCommands, refreshBalance } from './commands';
import { registerCommitMessage } from './commitMessage';
import { CONFIG_SECTION, type JobEnded } from './contract';
import { EXPLANATION_SCHEME, ExplainView } from './explainView';
import { refreshUsage } from './jobCommands';
import { JobTracker, type EndedJob } from './jobs';
import { Redactor, redactingChannel } from './redaction';
import { ApiKeyStore, offerToMoveSettingsKey } from './secrets';
import { RESTART_SETTINGS, readSettings } from './settings';
import { StatusBar } from './statusBar';
import type { ServerState } from './statusView';
import { PoeEditHandler } from './editHandler';
import { PROPOSAL_SCHEME, ReviewView } from './reviewView';
import { SENT_SCHEME, SentDocuments } from './sentDocuments';

let server: PoeServer | undefined;

/** What the extension offers other extensions (and its integration tests). */
export interface PoeApi {
  /** Fires when a Poe job ended and its edits became one undo step: the `poe/jobEnded` params. */
  readonly onDidEndJob: vscode.Event<JobEnded>;
  /** Fires when poe-lsp starts, runs, or stops (a restart goes through `stopped`). */
  readonly onDidChangeServerState: vscode.Event<ServerState>;
}

export async function activate(context: vscode.ExtensionContext): Promise<PoeApi> {
  const redactor = new Redactor();
  const keys = new ApiKeyStore(context.secrets);
  redactor.setSecrets([await keys.get(), settings().settingsApiKey]);
  const log = redactingChannel(vscode.window.createOutputChannel('Poe', { log: true }), redactor);
  const trace = redactingChannel(vscode.window.createOutputChannel('Poe Trace', { log: true }), redactor);
  const jobs = new JobTracker();
  const status = new StatusBar(jobs);
  const explainView = new ExplainView();
  const reviewView = new ReviewView();
  const sentDocuments = new SentDocuments();
  const edits: PoeEditHandler = new PoeEditHandler(() => running.converters.protocol2CodeConverter, reviewView);
  // globalStorageUri is <user data>/User/globalStorage/<extension>: its grandparent holds settings.json.
  const userData = vscode.Uri.joinPath(context.globalStorageUri, '..', '..');
  const launcher = context.asAbsolutePath(path.join('bundled', 'tool', 'poe_lsp_server.py'));
  const bundled = existsSync(path.join(context.extensionPath, 'bundled', 'libs', 'poe_lsp')) ? launcher : undefined;
  const chats = chatDocuments();
  const running: PoeServer = new PoeServer({ userData, keys, jobs, edits, redactor, log, trace, chats, ...(bundled === undefined ? {} : { bundledServer: bundled }) });
  server = running;
  const jobEnded = new vscode.EventEmitter<JobEnded>();

  const pushSettings = (): Promise<void> => running.pushSettings();

  /** Close the job's undo step, then tell listeners, refresh the balance, show an explanation. */
  async function onJobEnded(ended: EndedJob): Promise<void> {
    const { event } = ended;
    log.info(`${event.jobId} ${event.outcome}: ${event.message}`);
    if (event.targetUri !== null) await edits.close(event.targetUri);
    jobEnded.fire(event);
    if (event.outcome === 'done') void refreshBalance(running, status);
    void refreshUsage(running, status);
    await explainView.show(ended, settings().explainShow);
  }

  context.subscriptions.push(
    log,
    trace,
    status,
    explainView,
    reviewView,
    sentDocuments,
    running,
    jobEnded,
    vscode.workspace.registerTextDocumentContentProvider(EXPLANATION_SCHEME, explainView),
    vscode.workspace.registerTextDocumentContentProvider(PROPOSAL_SCHEME, reviewView),
    vscode.workspace.registerTextDocumentContentProvider(SENT_SCHEME, sentDocuments),
    ...registerCommands({ server: running, keys, status, jobs, sentDocuments, log }),
    registerCommitMessage(running, jobs),
    ...registerChatCommands(running, chats),
    running.onDidChangeState((state) => {
      status.setServerState(state);
      void refreshUsage(running, status);
    }),
    jobs.onDidEnd((ended) => {
      void onJobEnded(ended);
    }),
    keys.onDidChange(() => running.pushSettings()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (RESTART_SETTINGS.some((key) => event.affectsConfiguration(key)) && running.needsRestart()) {
        void running.restart();
      } else if (event.affectsConfiguration(CONFIG_SECTION)) {
        void running.pushSettings();
        if (event.affectsConfiguration(`${CONFIG_SECTION}.apiKey`)) void offerToMoveSettingsKey(keys, pushSettings);
      }
    }),
  );
  void offerToMoveSettingsKey(keys, pushSettings);
  await running.start();
  return { onDidEndJob: jobEnded.event, onDidChangeServerState: running.onDidChangeState };
}

/** Stop the server cleanly (VS Code waits for this; disposing the subscriptions would not). */
export function deactivate(): Promise<void> | undefined {
  return server?.stop();
}

function settings(): ReturnType<typeof readSettings> {
  return readSettings(vscode.workspace.getConfiguration(CONFIG_SECTION));
}
