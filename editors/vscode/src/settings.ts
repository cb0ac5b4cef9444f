/**
 * The `poe.*` settings: what goes to the server (the contract's settings object) and what only
 * the extension reads (how to start the server, how to show explanations).
 *
 * The server's defaults are the ones `editors/contract.json` declares (a unit test compares them,
 * and package.json's settings, with that file). Pure: it reads through {@link ConfigReader}, which
 * `vscode.WorkspaceConfiguration` satisfies.
 */

import { ACTIONS, type Action, type CustomActionSetting, type ReviewedAction, type ServerSettings } from './contract';

export const DEFAULT_BOT = 'Claude-Sonnet-4.5';
export const DEFAULT_BASE_URL = 'https://api.poe.com/bot/';
export const DEFAULT_CONTEXT_LINES = 30;
export const DEFAULT_READ_TIMEOUT = 120;
export const DEFAULT_PROJECT_INSTRUCTIONS = true;
export const DEFAULT_CONTEXT_BUDGET = 24000;
export const DEFAULT_DAILY_POINT_BUDGET = 0;
export const DEFAULT_RATE_LIMIT = 500;
export const DEFAULT_RATE_LIMIT_WINDOW = 60;
export const DEFAULT_TRUSTED_BOTS: readonly string[] = [
  'Claude-Sonnet-4.5',
  'Claude-Opus-4.1',
  'Claude-Haiku-4.5',
  'GPT-5',
  'GPT-5-mini',
  'GPT-4.1',
  'Gemini-2.5-Pro',
  'Gemini-2.5-Flash',
];
export const DEFAULT_REVIEW: Readonly<Record<ReviewedAction, boolean>> = {
  refactor: false,
  ask: true,
  writeTests: false,
  commitMessage: false,
};

export type ExplainDisplay = 'hover' | 'preview' | 'none';

/** The part of `vscode.WorkspaceConfiguration` this module reads. */
export interface ConfigReader {
  get(key: string): unknown;
}

export interface ExtensionSettings {
  /** The settings object for the server, without the API key. */
  server: Required<Omit<ServerSettings, 'apiKey'>>;
  /** `poe.apiKey` from settings.json (plain text; secret storage is preferred). */
  settingsApiKey: string | undefined;
  serverPath: string | undefined;
  pythonPath: string | undefined;
  explainShow: ExplainDisplay;
}

/**
 * Settings whose change needs a new server process: where the server is, and what the user
 * settings trust, which goes to the server in its environment (see `serverEnv.ts`).
 */
export const RESTART_SETTINGS: readonly string[] = [
  'poe.server.path',
  'poe.server.pythonPath',
  'poe.trustedBots',
  'poe.baseUrl',
  'poe.usageUrl',
  'poe.dailyPointBudget',
];

/**
 * Read the `poe` section. Empty strings count as unset.
 *
 * Every server key is always present (with the server's default when unset): the server merges
 * what it pulls over `initializationOptions`, so a key left out would keep its old value.
 */
export function readSettings(config: ConfigReader): ExtensionSettings {
  const show = config.get('explain.show');
  return {
    server: {
      bot: text(config.get('bot')) ?? DEFAULT_BOT,
      bots: actionBots(config.get('bots')),
      baseUrl: text(config.get('baseUrl')) ?? DEFAULT_BASE_URL,
      usageUrl: text(config.get('usageUrl')) ?? '',
      contextLines: numberOr(config.get('contextLines'), DEFAULT_CONTEXT_LINES),
      projectInstructions: booleanOr(config.get('projectInstructions'), DEFAULT_PROJECT_INSTRUCTIONS),
      readTimeout: numberOr(config.get('readTimeout'), DEFAULT_READ_TIMEOUT),
      rateLimit: numberOr(config.get('rateLimit'), DEFAULT_RATE_LIMIT),
      rateLimitWindow: numberOr(config.get('rateLimitWindow'), DEFAULT_RATE_LIMIT_WINDOW),
      trustedBots: botList(config.get('trustedBots')) ?? [...DEFAULT_TRUSTED_BOTS],
      review: review(config.get('review')),
      actions: actionList(config.get('actions')),
      contextBudget: numberOr(config.get('contextBudget'), DEFAULT_CONTEXT_BUDGET),
      dailyPointBudget: numberOr(config.get('dailyPointBudget'), DEFAULT_DAILY_POINT_BUDGET),
    },
    settingsApiKey: text(config.get('apiKey')),
    serverPath: text(config.get('server.path')),
    pythonPath: text(config.get('server.pythonPath')),
    explainShow: show === 'preview' || show === 'none' ? show : 'hover',
  };
}

/**
 * The object the server gets: the settings plus the key, where secret storage wins over
 * settings. Without either, `apiKey` is empty, which tells the server to use `$POE_API_KEY`.
 */
export function serverSettings(settings: ExtensionSettings, secretKey: string | undefined): ServerSettings {
  return { ...settings.server, apiKey: secretKey ?? settings.settingsApiKey ?? '' };
}

/** The bot an action will use, as the server chooses it. */
export function botFor(settings: Omit<ServerSettings, 'apiKey'>, action: Action, override?: string): string {
  return override ?? settings.bots?.[action] ?? settings.bot ?? DEFAULT_BOT;
}

/** Whether a key is one the server accepts: one word of printable ASCII. */
export function isValidKey(value: string): boolean {
  return /^[\x21-\x7e]+$/.test(value);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function booleanOr(value: unknown, fallback: boolean): boolean {
  return typeof value === 'boolean' ? value : fallback;
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function actionBots(value: unknown): Partial<Record<Action, string>> {
  const bots: Partial<Record<Action, string>> = {};
  if (typeof value !== 'object' || value === null) return bots;
  for (const action of ACTIONS) {
    const name = text((value as Record<string, unknown>)[action]);
    if (name !== undefined) bots[action] = name;
  }
  return bots;
}

function botList(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const names = value.map(text).filter((name): name is string => name !== undefined);
  return names.length === value.length ? names : undefined;
}

/** The `poe.actions` entries that are objects; the server checks them and names wrong ones. */
function actionList(value: unknown): CustomActionSetting[] {
  if (!Array.isArray(value)) return [];
  return value.filter((entry): entry is CustomActionSetting => typeof entry === 'object' && entry !== null);
}

function review(value: unknown): Record<ReviewedAction, boolean> {
  const chosen = { ...DEFAULT_REVIEW };
  if (typeof value !== 'object' || value === null) return chosen;
  for (const action of Object.keys(DEFAULT_REVIEW) as ReviewedAction[]) {
    const flag = (value as Record<string, unknown>)[action];
    if (typeof flag === 'boolean') chosen[action] = flag;
  }
  return chosen;
}
