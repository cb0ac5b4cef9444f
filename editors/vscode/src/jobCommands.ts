/**
 * The commands about jobs: "Show What Was Sent" (`poe.sent`), "Run Action…" (`poe.listActions`,
 * then `poe.run`), "Follow Up…" (`poe.followUp`), and today's spending in the status bar
 * (`poe.usage`).
 */

import * as vscode from 'vscode';
import { actionItems, listedActions } from './actionItems';
import {
  CMD_FOLLOW_UP,
  CMD_LIST_ACTIONS,
  CMD_RUN,
  CMD_SENT,
  CMD_USAGE,
  CONFIG_SECTION,
  TITLES,
  isJobStarted,
  isUsageResult,
  type FollowUpArgs,
} from './contract';
import type { PoeServer } from './client';
import { ensureRunning, errorMessage } from './commands';
import { describeJob, followUpTarget, type EndedJob, type JobTracker } from './jobs';
import type { SentDocuments } from './sentDocuments';
import { sentMarkdown, sentResult } from './sentView';
import { botFor, readSettings } from './settings';
import type { StatusBar } from './statusBar';

/** Show what a job of this session sent, as a Markdown document. */
export async function showSent(server: PoeServer, jobs: JobTracker, documents: SentDocuments): Promise<void> {
  const running = jobs.jobs.map((job) => {
    const summary = `${TITLES[job.action]} with ${job.bot} (running)`;
    return { label: job.jobId, description: summary, jobId: job.jobId, summary };
  });
  const finished = jobs.finished.map((ended) => {
    const summary = describeJob(ended);
    return { label: ended.event.jobId, description: summary, jobId: ended.event.jobId, summary };
  });
  const items = [...running.reverse(), ...finished];
  if (items.length === 0 || server.state !== 'running') {
    void vscode.window.showInformationMessage('Poe: no job has run since poe-lsp started, so nothing was sent yet.');
    return;
  }
  const picked =
    items.length === 1
      ? items[0]
      : await vscode.window.showQuickPick(items, { title: 'Poe: Show What Was Sent', placeHolder: 'The job (the last one first)' });
  if (picked === undefined) return;
  try {
    const sent = sentResult(await server.execute(CMD_SENT, { jobId: picked.jobId }));
    const content = sentMarkdown({ jobId: picked.jobId, summary: picked.summary }, sent);
    await documents.show(picked.jobId, content);
  } catch (error) {
    void vscode.window.showErrorMessage(`Poe: ${errorMessage(error)}`);
  }
}

/** Pick one of the custom actions and prompt files offered for the file, and run it on the selection. */
export async function runCustomAction(server: PoeServer): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (editor === undefined) {
    void vscode.window.showWarningMessage('Poe: open a file and select the code first.');
    return;
  }
  if (!(await ensureRunning(server))) return;
  const { code2ProtocolConverter: c2p } = server.converters;
  const textDocument = { uri: c2p.asUri(editor.document.uri) };
  let items;
  try {
    items = actionItems(listedActions(await server.execute(CMD_LIST_ACTIONS, { textDocument })));
  } catch (error) {
    void vscode.window.showErrorMessage(`Poe: could not list the actions: ${errorMessage(error)}`);
    return;
  }
  if (items.length === 0) {
    const choice = await vscode.window.showInformationMessage(
      'Poe: there is no custom action for this file. Add one to the poe.actions setting, or write .github/prompts/<name>.prompt.md.',
      'Open Settings',
    );
    if (choice !== undefined) await vscode.commands.executeCommand('workbench.action.openSettings', 'poe.actions');
    return;
  }
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Poe: Run Action',
    placeHolder: 'The action to run on the selection',
    matchOnDescription: true,
  });
  if (picked === undefined) return;
  try {
    await server.execute(CMD_RUN, { action: picked.id, textDocument, range: c2p.asRange(editor.selection) });
  } catch (error) {
    void vscode.window.showErrorMessage(`Poe: ${picked.label} did not start: ${errorMessage(error)}`);
  }
}

/** Ask the bot of a finished job (the one at the cursor, else the last) to go on with its answer. */
export async function followUp(server: PoeServer, jobs: JobTracker): Promise<void> {
  if (!(await ensureRunning(server))) return;
  if (!server.supports(CMD_FOLLOW_UP)) {
    void vscode.window.showInformationMessage(
      `Poe: this poe-lsp (${server.version ?? 'unknown version'}) cannot follow up on a job yet. Update poe-lsp.`,
    );
    return;
  }
  const editor = vscode.window.activeTextEditor;
  const uri = editor === undefined ? undefined : server.converters.code2ProtocolConverter.asUri(editor.document.uri);
  const target = followUpTarget(jobs.finished, uri, editor?.selection.active.line);
  if (target === undefined) {
    void vscode.window.showInformationMessage('Poe: no job has finished since poe-lsp started: run one first.');
    return;
  }
  const instruction = await vscode.window.showInputBox({
    title: `Poe: Follow Up on ${describeJob(target)}`,
    prompt: 'What should the bot do next with its answer?',
    placeHolder: 'e.g. Also handle negative numbers',
    ignoreFocusOut: true,
    validateInput: (value) => (value.trim() === '' ? 'Say what the bot should do.' : undefined),
  });
  if (instruction === undefined) return;
  const args: FollowUpArgs = { jobId: target.event.jobId, instruction: instruction.trim() };
  try {
    const result = await server.execute(CMD_FOLLOW_UP, args);
    if (isJobStarted(result)) jobs.start(followUpJob(result.jobId, target));
  } catch (error) {
    void vscode.window.showErrorMessage(`Poe: Follow Up did not start: ${errorMessage(error)}`);
  }
}

/** Show today's spending next to the balance; a server without `poe.usage` shows the balance alone. */
export async function refreshUsage(server: PoeServer, status: StatusBar): Promise<void> {
  if (server.state !== 'running' || !server.supports(CMD_USAGE)) {
    status.setUsage(undefined);
    return;
  }
  try {
    const usage: unknown = await server.execute(CMD_USAGE);
    status.setUsage(isUsageResult(usage) ? usage : undefined);
  } catch {
    status.setUsage(undefined);
  }
}

function followUpJob(jobId: string, parent: EndedJob): Parameters<JobTracker['start']>[0] {
  const { event, job } = parent;
  const bot = job?.bot ?? botFor(readSettings(vscode.workspace.getConfiguration(CONFIG_SECTION)).server, event.action);
  const range = job?.range ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  return { jobId, action: event.action, bot, uri: event.uri, range };
}
