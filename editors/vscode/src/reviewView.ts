/**
 * Reviewing an answer before it lands (poe-lsp's review mode, setting `poe.review`): the server
 * sends the finished answer as one edit annotated `needsConfirmation`; here it opens as a diff
 * beside the code, and a notification asks to apply or discard it.
 *
 * VS Code's own handling of such an edit, the Refactor Preview, lists the change unchecked, so
 * its Apply button does nothing until the user ticks it: a diff with two buttons is clearer.
 */

import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ApplyWorkspaceEditResult } from 'vscode-languageclient';

export const PROPOSAL_SCHEME = 'poe-proposal';
const APPLY = 'Apply';
const DISCARD = 'Discard';

export interface ProposedEdit {
  range: vscode.Range;
  text: string;
}

export class ReviewView implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  /** Reviews still waiting for the user, by document; `settle` ends one unanswered. */
  private readonly pending = new Map<string, () => void>();
  private count = 0;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }

  /** Show the change as a diff; run `apply` if the user applies it. */
  async offer(
    document: vscode.TextDocument,
    edits: readonly ProposedEdit[],
    label: string,
    apply: () => Promise<ApplyWorkspaceEditResult>,
  ): Promise<ApplyWorkspaceEditResult> {
    const name = path.posix.basename(document.uri.path);
    const proposal = vscode.Uri.from({ scheme: PROPOSAL_SCHEME, path: document.uri.path, query: String(++this.count) });
    this.texts.set(proposal.toString(), proposedText(document, edits));
    const settled = new Promise<undefined>((resolve) => {
      this.pending.get(document.uri.toString())?.();
      this.pending.set(document.uri.toString(), () => {
        resolve(undefined);
      });
    });
    try {
      await vscode.commands.executeCommand('vscode.diff', document.uri, proposal, `${name} ↔ ${label}`, {
        preview: true,
        viewColumn: vscode.ViewColumn.Beside,
      });
      const choice = await Promise.race([
        vscode.window.showInformationMessage(`${label} proposes a change to ${name}. Apply it?`, APPLY, DISCARD),
        settled,
      ]);
      if (choice !== APPLY) return { applied: false, failureReason: 'The change was discarded.' };
      return await apply();
    } finally {
      this.pending.delete(document.uri.toString());
      await closeDiff(proposal);
      this.texts.delete(proposal.toString());
    }
  }

  /** The job writing to `uri` ended: a review still open there is moot. */
  settle(uri: vscode.Uri): void {
    this.pending.get(uri.toString())?.();
  }

  dispose(): void {
    for (const settle of this.pending.values()) settle();
    this.texts.clear();
  }
}

/** The document's text with the edits made (their ranges refer to the current text). */
export function proposedText(document: vscode.TextDocument, edits: readonly ProposedEdit[]): string {
  const text = document.getText();
  const spans = edits
    .map((edit) => ({ start: document.offsetAt(edit.range.start), end: document.offsetAt(edit.range.end), text: edit.text }))
    .sort((a, b) => b.start - a.start);
  return spans.reduce((result, span) => result.slice(0, span.start) + span.text + result.slice(span.end), text);
}

async function closeDiff(proposal: vscode.Uri): Promise<void> {
  const tabs = vscode.window.tabGroups.all
    .flatMap((group) => group.tabs)
    .filter((tab) => tab.input instanceof vscode.TabInputTextDiff && tab.input.modified.toString() === proposal.toString());
  if (tabs.length > 0) await vscode.window.tabGroups.close(tabs);
}
