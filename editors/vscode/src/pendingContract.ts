/**
 * Commands the server is gaining (`poe.usage`, `poe.followUp`) before they are in the generated
 * `contract.ts`. REPLACE with the generated constants and types once `python -m poe_lsp.contract`
 * writes them: delete this file and import the same names from `./contract`.
 */

/** No argument: answers {@link UsageResult}, the points spent today and in this session. */
export const CMD_USAGE = 'poe.usage';
/** `{"jobId", "instruction"}` ({@link FollowUpArgs}): a follow-up on a finished job; answers `{"jobId"}`. */
export const CMD_FOLLOW_UP = 'poe.followUp';

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
