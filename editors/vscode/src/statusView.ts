/**
 * What the status bar item says: idle (with the points balance when known), streaming (with
 * the bot's name; a click cancels), an error, or a server that is not running.
 *
 * Pure: {@link statusView} maps a state to text; `statusBar.ts` puts it on screen.
 */

import { TITLES } from './contract';
import type { Job } from './jobs';

export type ServerState = 'starting' | 'running' | 'stopped';

export interface StatusState {
  server: ServerState;
  jobs: readonly Job[];
  /** The last failure, until the next job starts or the user looks at it. */
  error: string | undefined;
  balance: number | undefined;
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
  return {
    text: `$(hubot) Poe${balance}`,
    tooltip: `Poe is ready${balance === '' ? '' : `; your balance is ${formatPoints(state.balance ?? 0)}`}. Click for Poe's commands.`,
    command: STATUS_COMMANDS.menu,
    severity: 'normal',
  };
}

/** "12,345 points" in the user's locale. */
export function formatPoints(points: number): string {
  return `${points.toLocaleString()} point${points === 1 ? '' : 's'}`;
}
