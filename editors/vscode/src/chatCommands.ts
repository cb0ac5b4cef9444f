/**
 * Chats in VS Code: "Poe: Open Chat" (`poe.chat` with the selection, the chat opened beside the
 * code), "Poe: Send" (`poe.chatSend` on the active chat, also Ctrl+Enter and the editor title
 * button), and the `window/showDocument` middleware that opens a chat beside the editor.
 */

import { realpathSync } from 'node:fs';
import * as os from 'node:os';
import * as vscode from 'vscode';
import type {
  CancellationToken,
  ResponseError,
  ShowDocumentParams,
  ShowDocumentRequest,
  ShowDocumentResult,
} from 'vscode-languageclient';
import { CMD_CHAT, CMD_CHAT_SEND, CONFIG_SECTION } from './contract';
import type { PoeServer } from './client';
import { CHAT_FILES_KEY, CHAT_FOLDERS_KEY, ChatDocuments, chatBot, chatDirectory, isSet } from './chats';
import { ensureRunning, errorMessage } from './commands';
import { botFor, readSettings } from './settings';

export const CHAT_COMMANDS = { open: 'poe.openChat', send: 'poe.sendChat' } as const;

/** The chats of this window, from the environment poe-lsp inherits. */
export function chatDocuments(): ChatDocuments {
  const folder = chatDirectory(process.env, os.homedir());
  let real = folder;
  try {
    real = realpathSync(folder);
  } catch {
    // Not made yet: poe-lsp makes it with the first chat.
  }
  return new ChatDocuments([...new Set([folder, real])]);
}

/** The `window.showDocument` middleware: a chat opens beside the active editor, focused. */
export async function showChat(
  chats: ChatDocuments,
  params: ShowDocumentParams,
  token: CancellationToken,
  next: ShowDocumentRequest.HandlerSignature,
): Promise<ShowDocumentResult | ResponseError> {
  const uri = vscode.Uri.parse(params.uri);
  if (params.external === true || uri.scheme !== 'file' || !chats.isChat(uri.fsPath)) return next(params, token);

  const selection = params.selection;
  try {
    await vscode.window.showTextDocument(uri, {
      viewColumn: vscode.ViewColumn.Beside,
      preserveFocus: params.takeFocus === false,
      ...(selection === undefined
        ? {}
        : { selection: new vscode.Range(selection.start.line, selection.start.character, selection.end.line, selection.end.character) }),
    });
    return { success: true };
  } catch {
    return { success: false };
  }
}

export function registerChatCommands(server: PoeServer, chats: ChatDocuments): vscode.Disposable[] {
  void publishContext(chats);
  return [
    vscode.commands.registerCommand(CHAT_COMMANDS.open, () => openChat(server, chats)),
    vscode.commands.registerCommand(CHAT_COMMANDS.send, (uri?: unknown) => sendChat(server, uri instanceof vscode.Uri ? uri : undefined)),
  ];
}

/** Make a chat, from the selection if there is one, and make sure it shows beside the code. */
async function openChat(server: PoeServer, chats: ChatDocuments): Promise<void> {
  if (!(await ensureRunning(server))) return;
  const editor = vscode.window.activeTextEditor;
  const config = vscode.workspace.getConfiguration(CONFIG_SECTION);
  const configured = { ask: isSet(config.inspect('bots'), 'ask'), bot: isSet(config.inspect('bot')) };
  const defaultBot = botFor(readSettings(config).server, 'ask');
  const bot = chatBot(configured, defaultBot);
  const { code2ProtocolConverter: c2p } = server.converters;
  const fromSelection = editor !== undefined && !editor.selection.isEmpty && editor.document.uri.scheme !== 'output';
  const args = {
    ...(fromSelection ? { textDocument: { uri: c2p.asUri(editor.document.uri) }, range: c2p.asRange(editor.selection) } : {}),
    ...(bot === undefined ? {} : { bot }),
  };
  let uri: vscode.Uri;
  try {
    const result = (await chats.making(() => server.execute(CMD_CHAT, args))) as { uri: string };
    uri = vscode.Uri.parse(result.uri);
  } catch (error) {
    void vscode.window.showErrorMessage(`Poe: the chat did not open: ${errorMessage(error)}`);
    return;
  }
  chats.add(uri.fsPath, bot ?? defaultBot);
  await publishContext(chats);
  // The server asked VS Code to show it (window/showDocument, answered before this result);
  // open it here only if that did not happen.
  if (!vscode.window.visibleTextEditors.some((shown) => shown.document.uri.toString() === uri.toString())) {
    const document = await vscode.workspace.openTextDocument(uri);
    const end = document.positionAt(document.getText().length);
    await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, selection: new vscode.Range(end, end) });
  }
}

/** Send the conversation of the chat in the active editor (or `target`, from the title button). */
async function sendChat(server: PoeServer, target: vscode.Uri | undefined): Promise<void> {
  const document =
    target === undefined
      ? vscode.window.activeTextEditor?.document
      : vscode.workspace.textDocuments.find((open) => open.uri.toString() === target.toString());
  if (document === undefined) {
    void vscode.window.showWarningMessage('Poe: open a chat first (Poe: Open Chat).');
    return;
  }
  if (!(await ensureRunning(server))) return;
  try {
    await server.execute(CMD_CHAT_SEND, { textDocument: { uri: server.converters.code2ProtocolConverter.asUri(document.uri) } });
  } catch (error) {
    void vscode.window.showErrorMessage(`Poe: ${errorMessage(error)}`);
  }
}

async function publishContext(chats: ChatDocuments): Promise<void> {
  const { folders, files } = chats.contextValues();
  await vscode.commands.executeCommand('setContext', CHAT_FOLDERS_KEY, folders);
  await vscode.commands.executeCommand('setContext', CHAT_FILES_KEY, files);
}
