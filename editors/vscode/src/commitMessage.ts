/**
 * The Source Control view's button "Poe: Write Commit Message". poe-lsp writes a message from
 * the repository's staged changes (`poe.commitMessage {"rootUri"}`) and sends it as the `text`
 * of `poe/jobEnded`; this module then puts it into the repository's commit input box. That box
 * is no document the server could edit, so the message arrives whole, with progress meanwhile.
 * It runs only in a trusted workspace (VS Code's git extension is off in Restricted Mode too).
 */

import * as vscode from 'vscode';
import type { PoeServer } from './client';
import { CMD_CANCEL, CMD_COMMIT_MESSAGE, TITLES, isJobStarted, type CommitMessageArgs } from './contract';
import type { EndedJob, JobTracker } from './jobs';

export const WRITE_COMMIT_MESSAGE = 'poe.writeCommitMessage';

/** The part of the vscode.git extension's API (version 1) used here. */
interface GitRepository {
  readonly rootUri: vscode.Uri;
  readonly inputBox: { value: string };
}
interface GitApi {
  readonly repositories: readonly GitRepository[];
  getRepository(uri: vscode.Uri): GitRepository | null;
}
interface GitExtension {
  getAPI(version: 1): GitApi;
}

export function registerCommitMessage(server: PoeServer, jobs: JobTracker): vscode.Disposable {
  return vscode.commands.registerCommand(WRITE_COMMIT_MESSAGE, (source?: { rootUri?: vscode.Uri }) =>
    writeCommitMessage(server, jobs, source?.rootUri),
  );
}

/** Fill the commit input box of the repository at `rootUri` (or the one picked). */
export async function writeCommitMessage(server: PoeServer, jobs: JobTracker, rootUri?: vscode.Uri): Promise<void> {
  const title = `Poe: ${TITLES.commitMessage}`;
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage(`${title}: trust this workspace first; in Restricted Mode Poe does not run git.`);
    return;
  }
  const repository = await pickRepository(rootUri);
  if (repository === undefined) return;
  if (server.state !== 'running') await server.start();
  if (server.state !== 'running') return;
  if (!server.supports(CMD_COMMIT_MESSAGE)) {
    void vscode.window.showInformationMessage(`${title}: this poe-lsp cannot write commit messages; update poe-lsp.`);
    return;
  }
  const args: CommitMessageArgs = { rootUri: server.converters.code2ProtocolConverter.asUri(repository.rootUri) };
  const ended = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.SourceControl, title, cancellable: true },
    (_, token) => runJob(server, jobs, args, token),
  );
  if (ended?.event.outcome === 'done' && ended.event.text !== null) repository.inputBox.value = ended.event.text;
}

/** Run the job; resolve with its end (undefined if it did not start). */
async function runJob(server: PoeServer, jobs: JobTracker, args: CommitMessageArgs, token: vscode.CancellationToken): Promise<EndedJob | undefined> {
  const ends: EndedJob[] = [];
  let jobId: string | undefined;
  let finish: (ended: EndedJob) => void = () => undefined;
  const done = new Promise<EndedJob>((resolve) => (finish = resolve));
  const listening = jobs.onDidEnd((ended) => {
    if (jobId === undefined) ends.push(ended);
    else if (ended.event.jobId === jobId) finish(ended);
  });
  try {
    const result = await server.execute(CMD_COMMIT_MESSAGE, args);
    if (!isJobStarted(result)) return undefined;
    jobId = result.jobId;
    const early = ends.find((ended) => ended.event.jobId === jobId);
    if (early !== undefined) return early;
    const cancel = token.onCancellationRequested(() => void server.execute(CMD_CANCEL, { jobId }));
    try {
      return await done;
    } finally {
      cancel.dispose();
    }
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    void vscode.window.showErrorMessage(`Poe: ${TITLES.commitMessage} did not start: ${text}`);
    return undefined;
  } finally {
    listening.dispose();
  }
}

async function pickRepository(rootUri: vscode.Uri | undefined): Promise<GitRepository | undefined> {
  const extension = vscode.extensions.getExtension<GitExtension>('vscode.git');
  const git = extension === undefined ? undefined : (await extension.activate()).getAPI(1);
  if (git === undefined) {
    void vscode.window.showWarningMessage('Poe: the Git extension of VS Code is not available.');
    return undefined;
  }
  if (rootUri !== undefined) return git.getRepository(rootUri) ?? undefined;
  const [only, ...others] = git.repositories;
  if (only === undefined) {
    void vscode.window.showWarningMessage('Poe: open a folder that is a git repository first.');
    return undefined;
  }
  if (others.length === 0) return only;
  const picked = await vscode.window.showQuickPick(
    git.repositories.map((repository) => ({ label: vscode.workspace.asRelativePath(repository.rootUri), repository })),
    { title: `Poe: ${TITLES.commitMessage}`, placeHolder: 'Which repository?' },
  );
  return picked?.repository;
}
