/**
 * What "Poe: Show What Was Sent" shows: the answer of `poe.sent` as one Markdown document, a
 * heading per message with its content fenced, then the workspace files read into them.
 *
 * Pure. The content is whatever the job sent (code, the bot's earlier answers, Markdown with
 * fences of its own): each fence is longer than any backtick run inside, so nothing escapes it.
 */

/** The answer of `poe.sent`. */
export interface SentResult {
  messages: { role: string; content: string }[];
  sources: string[];
}

/** Narrow the answer of `poe.sent`, keeping the well-formed messages and sources. */
export function sentResult(value: unknown): SentResult {
  const answer = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const messages = Array.isArray(answer.messages) ? (answer.messages as unknown[]) : [];
  const sources = Array.isArray(answer.sources) ? (answer.sources as unknown[]) : [];
  return {
    messages: messages
      .filter((m): m is Record<string, unknown> => typeof m === 'object' && m !== null)
      .map((m) => ({ role: typeof m.role === 'string' ? m.role : '', content: typeof m.content === 'string' ? m.content : '' })),
    sources: sources.filter((source): source is string => typeof source === 'string'),
  };
}

/** The job the document is about, as the extension knows it. */
export interface SentJob {
  jobId: string;
  /** "Refactor with Code on m.py", when known. */
  summary?: string;
}

export function sentMarkdown(job: SentJob, sent: SentResult): string {
  const lines = [`# What Poe sent for ${escapeInline(job.jobId)}`, ''];
  if (job.summary !== undefined) lines.push(escapeInline(job.summary), '');
  if (sent.messages.length === 0) lines.push('No messages.', '');
  for (const message of sent.messages) {
    lines.push(`## ${escapeInline(capitalized(message.role))}`, '', fenced(message.content), '');
  }
  lines.push('## Sources', '');
  if (sent.sources.length === 0) lines.push('No workspace files were read into these messages.');
  for (const source of sent.sources) lines.push(`- ${inlineCode(source)}`);
  return `${lines.join('\n')}\n`;
}

/** `text` in a fenced block whose fence is longer than any backtick run in it. */
export function fenced(text: string): string {
  const fence = '`'.repeat(Math.max(3, longestRun(text) + 1));
  const body = text.endsWith('\n') ? text : `${text}\n`;
  return `${fence}text\n${body}${fence}`;
}

/** `text` as inline code on one line, delimited by a backtick run longer than any inside. */
export function inlineCode(text: string): string {
  const flat = text.replace(/[\r\n]+/g, ' ');
  const ticks = '`'.repeat(longestRun(flat) + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || flat.trim() === '' ? ' ' : '';
  return `${ticks}${pad}${flat}${pad}${ticks}`;
}

/** One line of plain text, with Markdown's punctuation escaped. */
export function escapeInline(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/[\\`*_{}[\]()#+\-.!<>|~&]/g, (char) => `\\${char}`);
}

function longestRun(text: string): number {
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return longest;
}

function capitalized(role: string): string {
  return role === '' ? 'Message' : role.charAt(0).toUpperCase() + role.slice(1);
}
