/**
 * The Poe API key in VS Code's secret storage, the "Poe: Set API Key" prompt, and moving a key
 * found in settings.json (plain text) into secret storage.
 *
 * The key is held in memory only to hand it to the server; it is never logged or shown.
 */

import * as vscode from 'vscode';
import { CONFIG_SECTION } from './contract';
import { isValidKey } from './settings';

const SECRET_ID = 'poe.apiKey';
const KEY_PAGE = 'https://poe.com/api_key';

export class ApiKeyStore {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  get(): Promise<string | undefined> {
    return Promise.resolve(this.secrets.get(SECRET_ID));
  }

  async set(key: string): Promise<void> {
    await this.secrets.store(SECRET_ID, key);
  }

  async delete(): Promise<void> {
    await this.secrets.delete(SECRET_ID);
  }

  /** Fires when the stored key changes, in this window or another one. */
  onDidChange(listener: () => unknown): vscode.Disposable {
    return this.secrets.onDidChange((event) => {
      if (event.key === SECRET_ID) listener();
    });
  }
}

/** Ask for the key and store it; an empty answer removes the stored key. */
export async function promptForKey(store: ApiKeyStore): Promise<boolean> {
  const had = (await store.get()) !== undefined;
  const key = await vscode.window.showInputBox({
    title: 'Poe API Key',
    prompt: `Your Poe API key, from ${KEY_PAGE}. VS Code keeps it in its secret storage.${
      had ? ' Leave empty to remove the stored key.' : ''
    }`,
    password: true,
    ignoreFocusOut: true,
    validateInput: (value) =>
      value.trim() === '' || isValidKey(value.trim()) ? undefined : 'A Poe API key is one word of printable characters.',
  });
  if (key === undefined) return false;
  if (key.trim() === '') {
    if (!had) return false;
    await store.delete();
    void vscode.window.showInformationMessage('Poe: the API key was removed from secret storage.');
    return true;
  }
  await store.set(key.trim());
  const inSettings = settingsKey() !== undefined;
  void vscode.window.showInformationMessage(
    inSettings
      ? 'Poe: API key saved in secret storage. poe.apiKey is still in settings.json, where it is plain text.'
      : 'Poe: API key saved in secret storage.',
    ...(inSettings ? [REMOVE_FROM_SETTINGS] : []),
  ).then(async (choice) => {
    if (choice === REMOVE_FROM_SETTINGS) await clearSettingsKey();
  });
  return true;
}

const MOVE = 'Move to Secret Storage';
const REMOVE_FROM_SETTINGS = 'Remove from settings.json';
const NOT_NOW = 'Not Now';

/**
 * Warn about a key in settings.json and offer to move it into secret storage. `moved` runs
 * after the key is stored and before it leaves settings.json (the extension hands it to the
 * server there), so the server never goes without a key.
 */
export async function offerToMoveSettingsKey(store: ApiKeyStore, moved: () => Promise<void>): Promise<void> {
  const key = settingsKey();
  if (key === undefined) return;
  const stored = await store.get();
  const choices = stored === undefined ? [MOVE, NOT_NOW] : [REMOVE_FROM_SETTINGS, MOVE, NOT_NOW];
  const message =
    stored === undefined
      ? 'Your Poe API key is in settings.json, which is plain text that other extensions and backups can read. Move it into VS Code\'s secret storage?'
      : 'poe.apiKey in settings.json is plain text, and unused: the key in VS Code\'s secret storage wins. Remove it from settings.json, or let it replace the stored key?';
  const choice = await vscode.window.showWarningMessage(message, ...choices);
  if (choice === MOVE) {
    await store.set(key);
    await moved();
    await clearSettingsKey();
    void vscode.window.showInformationMessage('Poe: the API key moved into secret storage.');
  } else if (choice === REMOVE_FROM_SETTINGS) {
    await clearSettingsKey();
  }
}

/** `poe.apiKey` as the user settings hold it (the setting is application-scoped). */
function settingsKey(): string | undefined {
  const value = vscode.workspace.getConfiguration(CONFIG_SECTION).inspect<string>('apiKey')?.globalValue;
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

async function clearSettingsKey(): Promise<void> {
  await vscode.workspace.getConfiguration(CONFIG_SECTION).update('apiKey', undefined, vscode.ConfigurationTarget.Global);
}
