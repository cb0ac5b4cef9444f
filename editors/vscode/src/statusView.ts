/**
 * What the status bar item says: idle (with the points balance when known), streaming (with
 * the bot's name; a click cancels), an error, or a server that is not running.
 *
 * Pure: {@link statusView} maps a state to text; `statusBar.ts` puts it on screen.
 */

import { TITLES, type UsageResult, type UsageSpent } from './contract';
import type { Job } from './jobs';

export type ServerState = 'starting' | 'running' | 'stopped';

export interface StatusState {
  server: ServerState;
  jobs: readonly Job[];
  /** The last failure, until the next job starts or the user looks at it. */
  error: string | undefined;
  balance: number | undefined;
  /** What `poe.usage` answered last; undefined when the server cannot tell (or did not yet). */
  usage?: UsageResult | undefined;
}

export interface StatusView {
  text: string;
  tooltip: string;
  command: string;
  severity: 'normal' | 'warning' | 'error';
}

export const STATUS_COMMANDS = {
  cancel: 'poe.cancelJobs',
  menu: 'poe.showMenu',
  log: 'poe.showLog',
  restart: 'poe.restartServer',
} as const;

export function statusView(state: StatusState): StatusView {
  const [first] = state.jobs;
  if (first !== undefined) {
    const what = state.jobs.map((job) => `${TITLES[job.action]} with ${job.bot}`).join(', ');
    return {
      text: `$(loading~spin) Poe: ${state.jobs.length === 1 ? first.bot : `${state.jobs.length} jobs`}`,
      tooltip: `Poe is answering: ${what}. Click to cancel.`,
      command: STATUS_COMMANDS.cancel,
      severity: 'normal',
    };
  }
  if (state.server === 'stopped') {
    return {
      text: '$(warning) Poe',
      tooltip: 'poe-lsp is not running. Click to start it again.',
      command: STATUS_COMMANDS.restart,
      severity: 'warning',
    };
  }
  if (state.error !== undefined) {
    return {
      text: '$(error) Poe',
      tooltip: `${state.error}\nClick to show the log.`,
      command: STATUS_COMMANDS.log,
      severity: 'error',
    };
  }
  if (state.server === 'starting') {
    return { text: '$(loading~spin) Poe', tooltip: 'Starting poe-lsp…', command: STATUS_COMMANDS.log, severity: 'normal' };
  }
  const balance = state.balance === undefined ? '' : ` · ${formatPoints(state.balance)}`;
  const usage = state.usage?.known === true ? state.usage : undefined;
  return {
    text: usage === undefined ? `$(hubot) Poe${balance}` : `$(hubot) ${spendingText(state.balance, usage)}`,
    tooltip:
      `Poe is ready${balance === '' ? '' : `; your balance is ${formatPoints(state.balance ?? 0)}`}.` +
      `${usage === undefined ? '' : ` ${spendingTooltip(usage)}`} Click for Poe's commands.`,
    command: STATUS_COMMANDS.menu,
    severity: 'normal',
  };
}

/** "Poe: 12,340 pts · today 1,020", or "Poe · today 1,020 pts" while the balance is unknown. */
export function spendingText(balance: number | undefined, usage: UsageResult): string {
  const today = usage.today.points.toLocaleString();
  return balance === undefined ? `Poe · today ${today} pts` : `Poe: ${balance.toLocaleString()} pts · today ${today}`;
}

/** "Spent today: 1,020 points (Code 800, Explainer 220); this session: 300 points; daily budget 5,000 points." */
export function spendingTooltip(usage: UsageResult): string {
  const budget = usage.dailyBudget > 0 ? `; daily budget ${formatPoints(usage.dailyBudget)}` : '';
  return `Spent today: ${spent(usage.today)}; this session: ${spent(usage.session)}${budget}.`;
}

function spent(usage: UsageSpent): string {
  const bots = Object.entries(usage.byBot)
    .filter(([, points]) => points > 0)
    .sort(([, a], [, b]) => b - a)
    .map(([bot, points]) => `${bot} ${points.toLocaleString()}`);
  return `${formatPoints(usage.points)}${bots.length === 0 ? '' : ` (${bots.join(', ')})`}`;
}

/** "12,345 points" in the user's locale. */
export function formatPoints(points: number): string {
  return `${points.toLocaleString()} point${points === 1 ? '' : 's'}`;
}
