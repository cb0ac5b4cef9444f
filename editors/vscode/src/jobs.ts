/**
 * The jobs poe-lsp is running for this window: started when an action command answers with its
 * job id, ended by the server's `poe/jobEnded` notification.
 *
 * Pure. The two can arrive in either order: an end that comes first is reported at once
 * (without what only the start knew) and its late start is ignored.
 */

import type { Range } from 'vscode-languageclient';
import { TITLES, type Action, type JobEnded } from './contract';

export interface Job {
  jobId: string;
  action: Action;
  bot: string;
  uri: string;
  range: Range;
}

/** A job that ended, with what the extension knew of it (nothing, if it never saw the start). */
export interface EndedJob {
  event: JobEnded;
  job: Job | undefined;
}

type Listener<T> = (value: T) => void;

const EARLY_ENDS_KEPT = 20;
/** As many as the server keeps for `poe.sent`. */
const FINISHED_KEPT = 50;

export class JobTracker {
  private readonly running = new Map<string, Job>();
  private readonly endedEarly = new Set<string>();
  private readonly ended: EndedJob[] = [];
  private readonly changeListeners = new Set<Listener<readonly Job[]>>();
  private readonly endListeners = new Set<Listener<EndedJob>>();

  /** The running jobs, oldest first. */
  get jobs(): readonly Job[] {
    return [...this.running.values()];
  }

  /** The jobs that ended since the server started, newest first. */
  get finished(): readonly EndedJob[] {
    return [...this.ended].reverse();
  }

  start(job: Job): void {
    if (this.endedEarly.delete(job.jobId)) return;
    this.running.set(job.jobId, job);
    this.emitChange();
  }

  end(event: JobEnded): void {
    const job = this.running.get(event.jobId);
    if (job === undefined) {
      this.endedEarly.add(event.jobId);
      if (this.endedEarly.size > EARLY_ENDS_KEPT) {
        const [oldest] = this.endedEarly;
        if (oldest !== undefined) this.endedEarly.delete(oldest);
      }
    } else {
      this.running.delete(event.jobId);
      this.emitChange();
    }
    const ended = { event, job };
    this.ended.push(ended);
    if (this.ended.length > FINISHED_KEPT) this.ended.shift();
    this.emitEnd(ended);
  }

  /** Forget everything (the server stopped: its jobs died with it). */
  clear(): void {
    this.running.clear();
    this.endedEarly.clear();
    this.ended.length = 0;
    this.emitChange();
  }

  onDidChange(listener: Listener<readonly Job[]>): { dispose(): void } {
    this.changeListeners.add(listener);
    return { dispose: () => this.changeListeners.delete(listener) };
  }

  onDidEnd(listener: Listener<EndedJob>): { dispose(): void } {
    this.endListeners.add(listener);
    return { dispose: () => this.endListeners.delete(listener) };
  }

  private emitChange(): void {
    const jobs = this.jobs;
    for (const listener of this.changeListeners) listener(jobs);
  }

  private emitEnd(ended: EndedJob): void {
    for (const listener of this.endListeners) listener(ended);
  }
}

/** "Refactor with Code on m.py (done)": a finished job in a few words. */
export function describeJob({ event, job }: EndedJob): string {
  const file = decodeURIComponent(event.uri.split('/').pop() ?? '');
  const bot = job === undefined ? '' : ` with ${job.bot}`;
  return `${TITLES[event.action]}${bot}${file === '' ? '' : ` on ${file}`} (${event.outcome})`;
}

/**
 * The job to follow up on: the newest one that finished well on `uri` whose range holds `line`,
 * else the newest one that finished well; `finished` is newest first.
 */
export function followUpTarget(finished: readonly EndedJob[], uri?: string, line?: number): EndedJob | undefined {
  const done = finished.filter(({ event }) => event.outcome === 'done');
  const here = done.find(
    ({ job }) => job !== undefined && job.uri === uri && line !== undefined && job.range.start.line <= line && line <= job.range.end.line,
  );
  return here ?? done[0];
}
