/**
 * The language client: starts poe-lsp, hands it the settings and the key (in memory only:
 * `initializationOptions` and answers to `workspace/configuration`), runs its commands, and
 * feeds its job events and streamed edits to the rest of the extension.
 */

import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  ResponseError,
  State,
  TransportKind,
  type CancellationToken,
  type ConfigurationParams,
  type ConfigurationRequest,
  type LanguageClientOptions,
} from 'vscode-languageclient/node';
import { CMD_CHAT_SEND, COMMAND_ACTIONS, CONFIG_SECTION, isJobStarted, type ActionArgs, type ServerSettings } from './contract';
import { JobEventsFeature } from './jobEvents';
import type { JobTracker } from './jobs';
import type { Redactor } from './redaction';
import type { ApiKeyStore } from './secrets';
import { reportMissingServer } from './serverMissing';
import { selectedPython } from './pythonInterpreter';
import { discoverServer, isFound, nodeProbe } from './serverDiscovery';
import { serverEnv, type ServerEnv } from './serverEnv';
import { botFor, readSettings, serverSettings, type ExtensionSettings } from './settings';
import type { ServerState } from './statusView';
import type { PoeEditHandler } from './editHandler';
import type { ChatDocuments } from './chats';
import { showChat } from './chatCommands';

export interface ServerDeps {
  /** VS Code's own settings folder (settings.json, keybindings): never sent to the server. */
  userData: vscode.Uri;
  keys: ApiKeyStore;
  jobs: JobTracker;
  edits: PoeEditHandler;
  redactor: Redactor;
  log: vscode.LogOutputChannel;
  trace: vscode.LogOutputChannel;
  /** The chats: `window/showDocument` opens them beside the editor. */
  chats: ChatDocuments;
  /** The launcher of the poe-lsp bundled in the extension, when the .vsix carries one. */
  bundledServer?: string;
}

const PULL_WAIT_MS = 5_000;

export class PoeServer implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private starting: Promise<void> | undefined;
  private readonly stateEmitter = new vscode.EventEmitter<ServerState>();
  private pullWaiters: (() => void)[] = [];
  private currentState: ServerState = 'stopped';
  /** How the last start was asked for (see {@link launchKey}). */
  private launchedWith: string | undefined;

  /** Fires when the server starts, runs, or stops. */
  readonly onDidChangeState = this.stateEmitter.event;

  constructor(private readonly deps: ServerDeps) {}

  get state(): ServerState {
    return this.currentState;
  }

  /** The version poe-lsp reported, once it runs. */
  get version(): string | undefined {
    return this.client?.initializeResult?.serverInfo?.version;
  }

  /** Start the server unless it runs or is starting; resolves when it runs or failed to. */
  start(): Promise<void> {
    this.starting ??= this.doStart().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client !== undefined) {
      await client.dispose().catch((error: unknown) => {
        this.deps.log.warn('poe-lsp did not stop cleanly', error);
      });
    }
    this.forgetJobs();
    this.setState('stopped');
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /**
   * Whether a change of the settings in `RESTART_SETTINGS` needs a new process: the server does
   * not run, or it would now be started otherwise (another executable, or other trust from the
   * user settings in its environment). A workspace value of an application setting changes
   * neither, so it restarts nothing.
   */
  needsRestart(): boolean {
    return this.currentState !== 'running' || this.launchedWith !== launchKey(this.readSettings(), this.environment());
  }

  /** Whether the running server offers `command` through `workspace/executeCommand`. */
  supports(command: string): boolean {
    return this.client?.initializeResult?.capabilities.executeCommandProvider?.commands.includes(command) ?? false;
  }

  /** Run a poe.* command; the server must run (start it first). */
  async execute(command: string, args?: object): Promise<unknown> {
    const client = this.runningClient();
    const result: unknown = await client.sendRequest(ExecuteCommandRequest.type, {
      command,
      arguments: args === undefined ? [] : [args],
    });
    this.recordJob(command, args === undefined ? [] : [args], result);
    return result;
  }

  /** Tell the server the settings changed; resolves once it pulled them (or after a while). */
  async pushSettings(): Promise<void> {
    if (this.client?.state !== State.Running) return;
    const pulled = new Promise<void>((resolve) => {
      this.pullWaiters.push(resolve);
      setTimeout(resolve, PULL_WAIT_MS);
    });
    await this.client.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
    await pulled;
  }

  /** The protocol converters of the running client. */
  get converters(): Pick<LanguageClient, 'code2ProtocolConverter' | 'protocol2CodeConverter'> {
    return this.runningClient();
  }

  dispose(): void {
    void this.stop();
    this.stateEmitter.dispose();
  }

  private async doStart(): Promise<void> {
    if (this.client !== undefined) return;
    this.setState('starting');
    const settings = this.readSettings();
    const env = this.environment();
    this.launchedWith = launchKey(settings, env);
    this.deps.log.info(
      `Looking for poe-lsp (poe.server.path: ${settings.serverPath ?? 'unset'}, poe.server.pythonPath: ${settings.pythonPath ?? 'unset'})`,
    );
    const found = await discoverServer(
      {
        serverPath: settings.serverPath,
        pythonPath: settings.pythonPath,
        selectedPython: () => selectedPython(vscode.workspace.workspaceFolders?.[0]?.uri),
        envPath: process.env.PATH ?? '',
        platform: process.platform,
        ...(process.env.PATHEXT === undefined ? {} : { pathExt: process.env.PATHEXT }),
        ...(this.deps.bundledServer === undefined ? {} : { bundledServer: this.deps.bundledServer }),
      },
      nodeProbe,
    );
    if (!isFound(found)) {
      this.deps.log.error(`poe-lsp not found: ${found.reason}`);
      this.setState('stopped');
      void reportMissingServer(found, () => this.restart());
      return;
    }
    this.deps.log.info(`Starting ${[found.command, ...found.args].join(' ')} (found through ${found.origin})`);
    for (const [name, value] of Object.entries(env)) this.deps.log.info(`${name}=${value} (from your user settings)`);
    const initial = await this.settingsForServer();
    const client = new LanguageClient(
      'poe',
      'Poe',
      {
        command: found.command,
        args: found.args,
        transport: TransportKind.stdio,
        // The key is not in it: it goes in initializationOptions and workspace/configuration.
        options: { env: { ...process.env, ...env } },
      },
      this.clientOptions(initial),
    );
    client.registerFeature(new JobEventsFeature(client, (event) => { this.deps.jobs.end(event); }));
    client.onDidChangeState(({ newState }) => {
      if (this.client !== client) return;
      if (newState === State.Running) this.setState('running');
      else if (newState === State.Stopped) {
        this.forgetJobs();
        this.setState('stopped');
      }
    });
    this.client = client;
    try {
      await client.start();
    } catch (error) {
      this.deps.log.error('poe-lsp failed to start', error);
      if (this.client === client) this.client = undefined;
      this.setState('stopped');
      void vscode.window.showErrorMessage(
        `Poe: ${found.command} did not start as a language server. See the log for why.`,
        'Show Log',
      ).then((choice) => {
        if (choice !== undefined) this.deps.log.show();
      });
    }
  }

  private clientOptions(initial: ServerSettings): LanguageClientOptions {
    return {
      documentSelector: [{ scheme: 'file' }, { scheme: 'untitled' }],
      outputChannel: this.deps.log,
      traceOutputChannel: this.deps.trace,
      initializationOptions: { [CONFIG_SECTION]: initial },
      middleware: {
        // VS Code's settings.json is a `file` document in remote windows, and may hold the key.
        didOpen: (document, next) => (this.isUserData(document) ? Promise.resolve() : next(document)),
        didChange: (event, next) => (this.isUserData(event.document) ? Promise.resolve() : next(event)),
        didSave: (document, next) => (this.isUserData(document) ? Promise.resolve() : next(document)),
        didClose: (document, next) => (this.isUserData(document) ? Promise.resolve() : next(document)),
        executeCommand: async (command, args: unknown[], next) => {
          const result: unknown = await next(command, args);
          this.recordJob(command, args, result);
          return result;
        },
        window: {
          showDocument: (params, token, next) => showChat(this.deps.chats, params, token, next),
        },
        workspace: {
          configuration: (params, token, next) => this.answerConfiguration(params, token, next),
          handleApplyEdit: (params, next) => this.deps.edits.handleApplyEdit(params, next),
        },
      },
    };
  }

  /** Answer `workspace/configuration`: the `poe` section is built here, with the key. */
  private async answerConfiguration(
    params: ConfigurationParams,
    token: CancellationToken,
    next: ConfigurationRequest.HandlerSignature,
  ): Promise<unknown[] | ResponseError> {
    const ours = params.items.map((item) => item.section === CONFIG_SECTION);
    let others: unknown[] = [];
    if (ours.includes(false)) {
      const result = await next(params, token);
      if (result instanceof ResponseError) return result;
      others = result;
    }
    const settings = await this.settingsForServer();
    const answer = ours.map((mine, index) => (mine ? settings : others[index] ?? null));
    const waiters = this.pullWaiters;
    this.pullWaiters = [];
    setTimeout(() => {
      for (const resolve of waiters) resolve();
    }, 0);
    return answer;
  }

  private async settingsForServer(): Promise<ServerSettings> {
    const key = await this.deps.keys.get();
    const settings = readSettings(vscode.workspace.getConfiguration(CONFIG_SECTION));
    this.deps.redactor.setSecrets([key, settings.settingsApiKey]);
    return serverSettings(settings, key);
  }

  private readSettings(): ExtensionSettings {
    return readSettings(vscode.workspace.getConfiguration(CONFIG_SECTION));
  }

  /** What the user settings trust, for the server's environment. */
  private environment(): ServerEnv {
    return serverEnv(vscode.workspace.getConfiguration(CONFIG_SECTION), process.env);
  }

  private isUserData(document: vscode.TextDocument): boolean {
    const folder = this.deps.userData.toString().replace(/\/?$/, '/');
    return document.uri.toString().startsWith(folder);
  }

  /** Note a job an action command started (from our commands or from a code action). */
  private recordJob(command: string, args: unknown[], result: unknown): void {
    // A chat's answer is an Ask, with the chat's bot.
    const chat = command === CMD_CHAT_SEND;
    const action = chat ? 'ask' : COMMAND_ACTIONS[command];
    const [first] = args;
    if (action === undefined || !isJobStarted(result) || typeof first !== 'object' || first === null) return;
    // poe.commitMessage names a file and no range, or only a repository's root.
    const actionArgs = first as Partial<ActionArgs> & { rootUri?: string };
    const settings = readSettings(vscode.workspace.getConfiguration(CONFIG_SECTION));
    const uri = actionArgs.textDocument?.uri ?? actionArgs.rootUri ?? '';
    const chatBot = chat ? this.deps.chats.botOf(vscode.Uri.parse(uri).fsPath) : undefined;
    const bot = botFor(settings.server, action, actionArgs.bot ?? chatBot);
    const range = actionArgs.range ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    this.deps.log.info(`${result.jobId} started: ${action} with ${bot}`);
    this.deps.jobs.start({ jobId: result.jobId, action, bot, uri, range });
  }

  private runningClient(): LanguageClient {
    if (this.client?.state !== State.Running) throw new Error('poe-lsp is not running.');
    return this.client;
  }

  private forgetJobs(): void {
    this.deps.jobs.clear();
    this.deps.edits.clear();
  }

  private setState(state: ServerState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.stateEmitter.fire(state);
  }
}

/** What decides how the server process is started: where it is, and its environment. */
function launchKey(settings: ExtensionSettings, env: ServerEnv): string {
  return JSON.stringify({ serverPath: settings.serverPath, pythonPath: settings.pythonPath, env });
}
