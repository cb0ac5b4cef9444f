/**
 * The documents of "Poe: Show What Was Sent": read-only virtual Markdown documents (scheme
 * `poe-sent`), so that they are not sent to poe-lsp like a file and ask for no saving when closed.
 */

import * as vscode from 'vscode';

export const SENT_SCHEME = 'poe-sent';
const KEPT = 20;

export class SentDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }

  /** Open `markdown` as the document of what job `jobId` sent. */
  async show(jobId: string, markdown: string): Promise<void> {
    const uri = vscode.Uri.from({ scheme: SENT_SCHEME, path: `/What ${jobId} sent.md` });
    this.texts.delete(uri.toString());
    this.texts.set(uri.toString(), markdown);
    while (this.texts.size > KEPT) {
      const [oldest] = this.texts.keys();
      if (oldest === undefined) break;
      this.texts.delete(oldest);
    }
    this.changed.fire(uri);
    const document = await vscode.workspace.openTextDocument(uri);
    if (document.languageId !== 'markdown') await vscode.languages.setTextDocumentLanguage(document, 'markdown');
    await vscode.window.showTextDocument(document, { preview: false });
  }

  dispose(): void {
    this.changed.dispose();
    this.texts.clear();
  }
}
