/**
 * Which documents are Poe chats, as far as the extension can tell (the server decides): the
 * Markdown files in the chat folder poe-lsp writes to, found from the environment the server
 * inherits the way poe-lsp finds it (`$POE_CHAT_DIRECTORY`, else
 * `$XDG_STATE_HOME/poe-lsp/chats`, else `~/.local/state/poe-lsp/chats`), and the chats
 * `poe.chat` made in this session.
 *
 * Pure: the when clauses of package.json read {@link ChatDocuments.contextValues} through the
 * context keys `poe.chatFolders` and `poe.chatFiles`.
 */

import * as path from 'node:path';

export const CHAT_FOLDERS_KEY = 'poe.chatFolders';
export const CHAT_FILES_KEY = 'poe.chatFiles';

/** The chat folder poe-lsp uses with this environment (POSIX `~` expanded with `home`). */
export function chatDirectory(env: Readonly<Record<string, string | undefined>>, home: string): string {
  const chosen = env.POE_CHAT_DIRECTORY;
  if (chosen !== undefined && chosen !== '') {
    return path.resolve(chosen === '~' || chosen.startsWith('~/') ? home + chosen.slice(1) : chosen);
  }
  const state = env.XDG_STATE_HOME !== undefined && env.XDG_STATE_HOME !== '' ? env.XDG_STATE_HOME : path.join(home, '.local', 'state');
  return path.resolve(state, 'poe-lsp', 'chats');
}

/** Whether the file at `file` is a chat of `folder`: a `.md` file right inside it. */
export function isChatFile(file: string, folder: string): boolean {
  return file.endsWith('.md') && path.dirname(path.resolve(file)) === path.resolve(folder);
}

/**
 * The bot to name in `poe.chat`: none, so that the server's own default (`bots.ask`, else
 * `bot`) holds, unless the user's settings name one; then the one they name now (the server
 * may not have pulled a change made a moment ago).
 */
export function chatBot(
  configured: { ask: boolean; bot: boolean },
  resolved: string,
): string | undefined {
  return configured.ask || configured.bot ? resolved : undefined;
}

/**
 * Whether any scope of the settings (`WorkspaceConfiguration.inspect`) sets a value, or, with
 * `key`, a value that names a bot at that key of an object (`poe.bots`).
 */
export function isSet(
  inspected: { globalValue?: unknown; workspaceValue?: unknown; workspaceFolderValue?: unknown } | undefined,
  key?: string,
): boolean {
  if (inspected === undefined) return false;
  return [inspected.globalValue, inspected.workspaceValue, inspected.workspaceFolderValue].some((value) => {
    const named = key === undefined ? value : typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
    return typeof named === 'string' && named.trim() !== '';
  });
}

/** The chat folders (each as a path and in its real form) and the chats made this session. */
export class ChatDocuments {
  /** The chats made this session, with the bot each talks to. */
  private readonly files = new Map<string, string>();
  private pending = 0;

  /** `folders`: the chat folder, as written and as its real path (they may differ by links). */
  constructor(private readonly folders: readonly string[]) {}

  /** Remember a chat `poe.chat` made (its file path) for `bot`. */
  add(file: string, bot: string): void {
    this.files.set(path.resolve(file), bot);
  }

  /** The bot of a chat made this session. */
  botOf(file: string): string | undefined {
    return this.files.get(path.resolve(file));
  }

  /** Whether the file at `file` is a chat; while `poe.chat` runs, any Markdown file it shows is. */
  isChat(file: string): boolean {
    if (this.files.has(path.resolve(file))) return true;
    if (this.pending > 0 && file.endsWith('.md')) return true;
    return this.folders.some((folder) => isChatFile(file, folder));
  }

  /** Run `body` (a `poe.chat` request): the Markdown document it shows is the new chat. */
  async making<T>(body: () => Promise<T>): Promise<T> {
    this.pending += 1;
    try {
      return await body();
    } finally {
      this.pending -= 1;
    }
  }

  /**
   * The values of the context keys: the folders and the files, each also with `/` separators
   * (the workbench's `resourceDirname`/`resourcePath` of a remote window's file).
   */
  contextValues(): { folders: string[]; files: string[] } {
    const both = (paths: Iterable<string>): string[] => [...new Set([...paths].flatMap((p) => [p, p.split(path.sep).join('/')]))];
    return { folders: both(this.folders), files: both(this.files.keys()) };
  }
}
