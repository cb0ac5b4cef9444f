/**
 * Showing a finished explanation (setting `poe.explain.show`): as the hover of the explained
 * code, or as a Markdown preview beside the editor. The server keeps the explanation as the
 * hover of the range either way; a preview's text lives in a read-only virtual document.
 */

import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EndedJob } from './jobs';
import type { ExplainDisplay } from './settings';

export const EXPLANATION_SCHEME = 'poe-explanation';
const KEPT = 20;
const SHOW = 'Show';
const OPEN_MARKDOWN = 'Open as Markdown';

export class ExplainView implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }

  /** Show the explanation of a finished explain job, as `mode` says. */
  async show(ended: EndedJob, mode: ExplainDisplay): Promise<void> {
    const { event, job } = ended;
    if (event.action !== 'explain' || event.outcome !== 'done' || event.explanation === null) return;
    const source = vscode.Uri.parse(event.uri);
    const range = job === undefined ? undefined : toRange(job.range);
    if (mode === 'preview') {
      await this.preview(source, range, event.jobId, event.explanation);
    } else if (mode === 'hover') {
      await this.hover(source, range, event.jobId, event.explanation);
    }
  }

  dispose(): void {
    this.changed.dispose();
    this.texts.clear();
  }

  /** Show the hover where the cursor still is in the explained code; else offer to go there. */
  private async hover(source: vscode.Uri, range: vscode.Range | undefined, jobId: string, markdown: string): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (
      editor?.document.uri.toString() === source.toString() &&
      (range === undefined || range.contains(editor.selection.active))
    ) {
      await vscode.commands.executeCommand('editor.action.showHover');
      return;
    }
    const choice = await vscode.window.showInformationMessage(
      `Poe's explanation of ${describe(source, range)} is ready.`,
      SHOW,
      OPEN_MARKDOWN,
    );
    if (choice === SHOW) {
      const shown = await vscode.window.showTextDocument(source);
      if (range !== undefined) {
        shown.selection = new vscode.Selection(range.start, range.start);
        shown.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      }
      await vscode.commands.executeCommand('editor.action.showHover');
    } else if (choice === OPEN_MARKDOWN) {
      await this.preview(source, range, jobId, markdown);
    }
  }

  private async preview(source: vscode.Uri, range: vscode.Range | undefined, jobId: string, markdown: string): Promise<void> {
    const uri = vscode.Uri.from({
      scheme: EXPLANATION_SCHEME,
      path: `/${describe(source, range)} explained.md`,
      query: jobId,
    });
    this.texts.set(uri.toString(), `# ${describe(source, range)}\n\n${markdown}\n`);
    while (this.texts.size > KEPT) {
      const [oldest] = this.texts.keys();
      if (oldest === undefined) break;
      this.texts.delete(oldest);
    }
    this.changed.fire(uri);
    const reading = vscode.window.activeTextEditor;
    try {
      await vscode.commands.executeCommand('markdown.showPreviewToSide', uri);
    } catch {
      await vscode.window.showTextDocument(uri, { viewColumn: vscode.ViewColumn.Beside, preview: true });
    }
    // The preview takes the focus; give it back to the code the user was in.
    if (reading !== undefined) {
      const column = reading.viewColumn;
      await vscode.window.showTextDocument(reading.document, {
        ...(column === undefined ? {} : { viewColumn: column }),
        selection: reading.selection,
      });
    }
  }
}

function toRange(range: { start: { line: number; character: number }; end: { line: number; character: number } }): vscode.Range {
  return new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
}

/** "m.py, lines 3–9" */
function describe(source: vscode.Uri, range: vscode.Range | undefined): string {
  const name = path.posix.basename(source.path);
  if (range === undefined) return name;
  const first = range.start.line + 1;
  const last = range.end.character === 0 && range.end.line > range.start.line ? range.end.line : range.end.line + 1;
  return first === last ? `${name}, line ${first}` : `${name}, lines ${first}–${last}`;
}
