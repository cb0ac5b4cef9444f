/**
 * The public contract with poe-lsp: command ids, argument shapes, code-action kinds and the
 * `poe/jobEnded` notification. The server declares it, in `editors/contract.json` (written by
 * `python -m poe_lsp.contract`); this module has the same names and values, which a unit test
 * checks against that file.
 */

import type { Diagnostic, Range } from 'vscode-languageclient';

export type Action = 'explain' | 'refactor' | 'writeTests' | 'ask' | 'commitMessage';
export const ACTIONS: readonly Action[] = ['explain', 'refactor', 'writeTests', 'ask', 'commitMessage'];
/** The actions whose answer goes into a document (and can be offered for review first). */
export const EDITING_ACTIONS = ['refactor', 'writeTests', 'ask', 'commitMessage'] as const satisfies readonly Action[];

export const CMD_EXPLAIN = 'poe.explain';
export const CMD_REFACTOR = 'poe.refactor';
export const CMD_WRITE_TESTS = 'poe.writeTests';
export const CMD_ASK = 'poe.ask';
export const CMD_CANCEL = 'poe.cancel';
/** `{"jobId": ...}`: apply a reviewed answer as one edit; answers `{"applied": bool}`. */
export const CMD_ACCEPT = 'poe.accept';
/** `{"jobId": ...}`: drop a reviewed answer; answers `{"rejected": bool}`. */
export const CMD_REJECT = 'poe.reject';
/** Answers `{"points": <int>}`, or a JSON-RPC error whose message says what went wrong. */
export const CMD_BALANCE = 'poe.balance';
/** Optional `{"all": true}`: answers `{"bots": [...]}`, Poe's bot catalogue (text-output bots unless `all`). */
export const CMD_LIST_BOTS = 'poe.listBots';
export const CMD_SENT = 'poe.sent';
/**
 * Commit messages (issue 14): `{"textDocument"}` streams a message from the staged diff into a
 * commit message file; `{"rootUri"}` (Source Control) answers in the `text` of `poe/jobEnded`.
 */
export const CMD_COMMIT_MESSAGE = 'poe.commitMessage';
/** `{"action": <id>, "textDocument", "range"}`: run a custom action (`poe.actions`) or prompt file (`prompt:<name>`). */
export const CMD_RUN = 'poe.run';
/** `{"textDocument", "range", "diagnostics": [one]}`: Fix with Poe. */
export const CMD_FIX = 'poe.fix';
/** Optional `{"textDocument"}`: answers `{"actions": [{"id", "title", "output"}]}`. */
export const CMD_LIST_ACTIONS = 'poe.listActions';
export const KIND_QUICKFIX = 'quickfix';
/** `{"jobId", "instruction"}` ({@link FollowUpArgs}): a follow-up on a finished job; answers `{"jobId"}`. */
export const CMD_FOLLOW_UP = 'poe.followUp';
/** The kind of the code actions that send a bot's suggested reply as a follow-up. */
export const KIND_FOLLOW_UP = 'poe.followUp';
/** No argument: answers {@link UsageResult}, the points spent today and in this session. */
export const CMD_USAGE = 'poe.usage';
/** `{"textDocument"?, "range"?, "bot"?}`: make a chat document and open it; answers `{"uri"}`. */
export const CMD_CHAT = 'poe.chat';
/** `{"textDocument"}` of a chat: send its conversation; answers `{"jobId"}`. */
export const CMD_CHAT_SEND = 'poe.chatSend';
/** `{"textDocument", "block"}`: propose an answer's code block for the chat's selection. */
export const CMD_CHAT_APPLY = 'poe.chatApply';
export const KIND_CHAT_SEND = 'poe.chatSend';
export const KIND_CHAT_APPLY = 'poe.chatApply';

export const COMMAND_ACTIONS: Readonly<Record<string, Action>> = {
  [CMD_EXPLAIN]: 'explain',
  [CMD_REFACTOR]: 'refactor',
  [CMD_WRITE_TESTS]: 'writeTests',
  [CMD_ASK]: 'ask',
  [CMD_COMMIT_MESSAGE]: 'commitMessage',
};

export const ACTION_COMMANDS: Readonly<Record<Action, string>> = {
  explain: CMD_EXPLAIN,
  refactor: CMD_REFACTOR,
  writeTests: CMD_WRITE_TESTS,
  ask: CMD_ASK,
  commitMessage: CMD_COMMIT_MESSAGE,
};

export const KIND_EXPLAIN = 'poe.explain';
export const KIND_REFACTOR = 'refactor.rewrite';
export const KIND_WRITE_TESTS = 'poe.writeTests';
export const KIND_ACCEPT = 'poe.accept';
export const KIND_REJECT = 'poe.reject';
export const KIND_COMMIT_MESSAGE = 'source.poe.commitMessage';

export const CONFIG_SECTION = 'poe';

/** Server -> client, only to clients with the capability `experimental.poeJobEvents: true`. */
export const NOTIFY_JOB_ENDED = 'poe/jobEnded';
export const EXPERIMENTAL_JOB_EVENTS = 'poeJobEvents';

/** What the server calls each action in progress titles and `workspace/applyEdit` labels. */
export const TITLES: Readonly<Record<Action, string>> = {
  explain: 'Explain',
  refactor: 'Refactor',
  writeTests: 'Write tests',
  ask: 'Ask',
  commitMessage: 'Write commit message',
};

/** The label of the streamed edits of `action`: "Poe: Refactor", "Poe: Write tests", ... */
export function editLabel(action: Action): string {
  return `Poe: ${TITLES[action]}`;
}

/** Whether an applyEdit label is one of poe-lsp's streamed edits. */
export function isPoeEditLabel(label: string | undefined): boolean {
  return label !== undefined && EDITING_ACTIONS.some((action) => editLabel(action) === label);
}

export type Outcome = 'done' | 'cancelled' | 'failed';
export const OUTCOMES: readonly Outcome[] = ['done', 'cancelled', 'failed'];

/** The one argument of `poe.explain`, `poe.refactor`, `poe.writeTests` and `poe.ask`. */
export interface ActionArgs {
  textDocument: { uri: string };
  range: Range;
  /** Required for `poe.ask`. */
  instruction?: string;
  /** Overrides the settings' bot for this action. */
  bot?: string;
  diagnostics?: Diagnostic[];
}

/** The wire keys of {@link ActionArgs} (checked against the server's contract by a test). */
export const ACTION_ARGS_FIELDS = ['textDocument', 'range', 'instruction', 'bot', 'diagnostics'] as const satisfies readonly (keyof ActionArgs)[];

/** What the four action commands answer, at once. */
export interface JobStarted {
  jobId: string;
}

/** The optional argument of `poe.cancel`; without it every job is cancelled. */
export interface CancelArgs {
  jobId: string;
}

export interface CancelResult {
  cancelled: string[];
}

export interface BalanceResult {
  points: number;
}

/** The params of `poe/jobEnded`. */
export interface JobEnded {
  jobId: string;
  action: Action;
  uri: string;
  /** The document the edits went to (the test file for writeTests); null for explain. */
  targetUri: string | null;
  outcome: Outcome;
  message: string;
  /** How many `workspace/applyEdit` requests the job sent to `targetUri`. */
  edits: number;
  /** The Markdown of a finished explain, else null. */
  explanation: string | null;
  /** The answer of a job that edits no document (`poe.commitMessage {"rootUri"}`), else null. */
  text: string | null;
  /** What the answer cost, from Poe's points history; null when unknown. */
  points?: number | null;
}

/** The one argument of `poe.commitMessage`: a commit message file, or a repository's root. */
export type CommitMessageArgs = ({ textDocument: { uri: string } } | { rootUri: string }) & { bot?: string };

/** The wire keys of {@link JobEnded}. */
export const JOB_ENDED_FIELDS = [
  'jobId',
  'action',
  'uri',
  'targetUri',
  'outcome',
  'message',
  'edits',
  'explanation',
  'text',
  'points',
] as const satisfies readonly (keyof JobEnded)[];

/** The actions whose answer can be offered for review instead of streamed into the document. */
export type ReviewedAction = (typeof EDITING_ACTIONS)[number];

/** The settings object the server reads (section `poe`, or `initializationOptions`). */
export interface ServerSettings {
  apiKey?: string;
  bot?: string;
  bots?: Partial<Record<Action, string>>;
  baseUrl?: string;
  usageUrl?: string;
  contextLines?: number;
  projectInstructions?: boolean;
  readTimeout?: number;
  rateLimit?: number;
  rateLimitWindow?: number;
  trustedBots?: string[];
  review?: Partial<Record<ReviewedAction, boolean>>;
  contextBudget?: number;
  dailyPointBudget?: number;
  actions?: CustomActionSetting[];
}

/** One entry of `poe.actions`: the server checks it and warns about a wrong one. */
export interface CustomActionSetting {
  id: string;
  title: string;
  instruction: string;
  output?: 'replace' | 'explain' | 'tests';
  bot?: string;
  review?: boolean;
  languages?: string[];
}

/** One action `poe.listActions` answers. */
export interface CustomAction {
  id: string;
  title: string;
  output: string;
}

/** The keys of {@link ServerSettings} (checked against the server's settings by a test). */
export const SERVER_SETTINGS_KEYS = [
  'apiKey',
  'bot',
  'bots',
  'baseUrl',
  'usageUrl',
  'contextLines',
  'projectInstructions',
  'readTimeout',
  'rateLimit',
  'rateLimitWindow',
  'trustedBots',
  'review',
  'actions',
  'contextBudget',
  'dailyPointBudget',
] as const satisfies readonly (keyof ServerSettings)[];

/** Narrow an unknown value to a `JobStarted` answer. */
export function isJobStarted(value: unknown): value is JobStarted {
  return typeof value === 'object' && value !== null && typeof (value as JobStarted).jobId === 'string';
}

/** Narrow an unknown value to `poe/jobEnded` params. */
export function isJobEnded(value: unknown): value is JobEnded {
  if (typeof value !== 'object' || value === null) return false;
  const event = value as Partial<JobEnded>;
  return (
    typeof event.jobId === 'string' &&
    typeof event.uri === 'string' &&
    (ACTIONS as readonly unknown[]).includes(event.action) &&
    (OUTCOMES as readonly unknown[]).includes(event.outcome)
  );
}

export interface UsageSpent {
  points: number;
  byBot: Record<string, number>;
}

export interface UsageResult {
  today: UsageSpent;
  session: UsageSpent;
  dailyBudget: number;
  known: boolean;
}

export interface FollowUpArgs {
  jobId: string;
  instruction: string;
}

/** Narrow an unknown answer to a {@link UsageResult}. */
export function isUsageResult(value: unknown): value is UsageResult {
  if (typeof value !== 'object' || value === null) return false;
  const usage = value as Partial<UsageResult>;
  const spent = (part: unknown): boolean => {
    if (typeof part !== 'object' || part === null) return false;
    const { points, byBot } = part as Record<string, unknown>;
    return typeof points === 'number' && typeof byBot === 'object' && byBot !== null;
  };
  return spent(usage.today) && spent(usage.session) && typeof usage.dailyBudget === 'number' && typeof usage.known === 'boolean';
}
