/**
 * poe-lsp's `workspace/applyEdit` requests (the `workspace.handleApplyEdit` middleware).
 *
 * One undo step per answer: VS Code gives every `workspace.applyEdit` its own undo step and has
 * no API to merge them, so streamed edits are applied here through `TextEditor.edit`: the first
 * edit of a document opens an undo step, the later ones join it (`undoStopBefore: false`), and
 * `poe/jobEnded` closes it. That needs an editor showing the document: an edit to a document no
 * editor shows goes the ordinary way, except that a test file poe-lsp creates is opened beside
 * the code first, so the tests streaming into it are one undo step as well.
 *
 * An answer under review is shown as a diff first (`reviewView.ts`), then applied the same way.
 */

import * as vscode from 'vscode';
import {
  CancellationToken,
  type ApplyWorkspaceEditParams,
  type ApplyWorkspaceEditRequest,
  type ApplyWorkspaceEditResult,
  type HandlerResult,
  type Protocol2CodeConverter,
} from 'vscode-languageclient';
import { editLabel } from './contract';
import { poeEdit, type PoeEdit } from './poeEdits';
import type { ProposedEdit, ReviewView } from './reviewView';

export class PoeEditHandler {
  /** Documents (by `Uri.toString()`) whose undo step is open, with their version after our last edit. */
  private readonly open = new Map<string, number>();

  constructor(
    private readonly converter: () => Protocol2CodeConverter,
    private readonly review: ReviewView,
  ) {}

  async handleApplyEdit(
    params: ApplyWorkspaceEditParams,
    next: ApplyWorkspaceEditRequest.HandlerSignature,
  ): Promise<Awaited<HandlerResult<ApplyWorkspaceEditResult, void>>> {
    const edit = poeEdit(params);
    if (edit === undefined) return next(params, CancellationToken.None);
    const uri = this.converter().asUri(edit.uri);
    if (edit.confirmation !== undefined) {
      // A file to create under review is left to VS Code's Refactor Preview.
      return edit.create ? next(params, CancellationToken.None) : this.offer(uri, edit, edit.confirmation);
    }
    let editor = visibleEditor(uri);
    if (editor === undefined && edit.create && params.label === editLabel('writeTests')) {
      editor = await this.createAndShow(uri);
    }
    if (editor === undefined) return next(params, CancellationToken.None);
    return this.applyInEditor(editor, edit, false);
  }

  /** Close the undo step of `uri` (the job that wrote there ended). */
  async close(uriString: string): Promise<void> {
    const uri = this.converter().asUri(uriString);
    this.review.settle(uri);
    const version = this.open.get(uri.toString());
    this.open.delete(uri.toString());
    const editor = visibleEditor(uri);
    // After anything else changed the document (an undo, typing), the step is closed already,
    // and an edit now would drop the redo history.
    if (editor === undefined || editor.document.version !== version) return;
    // An empty insertion changes nothing; undoStopAfter is what closes the step.
    await Promise.resolve(
      editor.edit((builder) => {
        builder.insert(new vscode.Position(0, 0), '');
      }, { undoStopBefore: false, undoStopAfter: true }),
    ).catch(() => false);
  }

  /** Forget the open steps (the server stopped). */
  clear(): void {
    this.open.clear();
  }

  private async offer(uri: vscode.Uri, edit: PoeEdit, label: string): Promise<ApplyWorkspaceEditResult> {
    const document = await vscode.workspace.openTextDocument(uri);
    if (edit.version !== null && document.version !== edit.version) return changed(document);
    return this.review.offer(document, this.proposed(edit), label, async () => {
      const editor = visibleEditor(uri) ?? (await vscode.window.showTextDocument(document, { preserveFocus: true }));
      return this.applyInEditor(editor, edit, true);
    });
  }

  private async applyInEditor(editor: vscode.TextEditor, edit: PoeEdit, whole: boolean): Promise<ApplyWorkspaceEditResult> {
    const document = editor.document;
    if (edit.version !== null && document.version !== edit.version) return changed(document);
    const key = document.uri.toString();
    const edits = this.proposed(edit);
    let applied: boolean;
    try {
      applied = await editor.edit(
        (builder) => {
          for (const { range, text } of edits) builder.replace(range, text);
        },
        { undoStopBefore: whole || !this.open.has(key), undoStopAfter: whole },
      );
    } catch (error) {
      return { applied: false, failureReason: error instanceof Error ? error.message : String(error) };
    }
    if (applied && !whole) this.open.set(key, document.version);
    return applied ? { applied } : { applied, failureReason: 'VS Code refused the edit.' };
  }

  private proposed(edit: PoeEdit): ProposedEdit[] {
    const converter = this.converter();
    return edit.edits.map((textEdit) => ({ range: converter.asRange(textEdit.range), text: textEdit.newText }));
  }

  private async createAndShow(uri: vscode.Uri): Promise<vscode.TextEditor | undefined> {
    const create = new vscode.WorkspaceEdit();
    create.createFile(uri, { ignoreIfExists: true });
    if (!(await vscode.workspace.applyEdit(create))) return undefined;
    return vscode.window.showTextDocument(uri, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true, preview: false });
  }
}

function changed(document: vscode.TextDocument): ApplyWorkspaceEditResult {
  return { applied: false, failureReason: `${document.uri.fsPath} changed since the edit was computed.` };
}

function visibleEditor(uri: vscode.Uri): vscode.TextEditor | undefined {
  const key = uri.toString();
  return vscode.window.visibleTextEditors.find((editor) => editor.document.uri.toString() === key);
}
