/**
 * "Poe: Choose Bot…": for every action or one, a bot from Poe's catalogue (`poe.listBots`),
 * written to the user settings, never the workspace's (see `botPicker.ts` for the items).
 */

import * as vscode from 'vscode';
import { CMD_LIST_BOTS, CONFIG_SECTION, TITLES } from './contract';
import type { PoeServer } from './client';
import { botItems, botSetting, scopeItems, type BotScope, listedBots, type CatalogueBot } from './botPicker';
import { ensureRunning, errorMessage } from './commands';
import { botFor, readSettings } from './settings';

type Catalogue = { bots: CatalogueBot[] } | { error: string };

export async function chooseBot(server: PoeServer): Promise<void> {
  if (!(await ensureRunning(server))) return;
  if (!server.supports(CMD_LIST_BOTS)) {
    void vscode.window.showInformationMessage(
      `Poe: this poe-lsp (${server.version ?? 'unknown version'}) cannot list Poe's bots yet. Update poe-lsp, or name a bot in the poe.bot setting.`,
    );
    return;
  }
  const catalogue = fetchCatalogue(server);
  const config = vscode.workspace.getConfiguration(CONFIG_SECTION);
  const settings = readSettings(config).server;
  const scope = await vscode.window.showQuickPick(scopeItems(settings), {
    title: 'Poe: Choose Bot (1/2)',
    placeHolder: 'Choose a bot for every action, or for one of them',
  });
  if (scope === undefined) return;
  const answer = await catalogue;
  if ('error' in answer) {
    void vscode.window.showErrorMessage(`Poe: could not get Poe's bot list: ${answer.error}`);
    return;
  }
  if (answer.bots.length === 0) {
    const choice = await vscode.window.showWarningMessage(
      "Poe: Poe's bot list is empty, so there is no bot to choose from. You can still name one in the poe.bot setting.",
      'Open Settings',
    );
    if (choice !== undefined) await vscode.commands.executeCommand('workbench.action.openSettings', 'poe.bot');
    return;
  }
  const what = scope.scope === 'all' ? 'every action' : TITLES[scope.scope];
  const current = scope.scope === 'all' ? settings.bot : botFor(settings, scope.scope);
  const bot = await vscode.window.showQuickPick(botItems(answer.bots, current), {
    title: `Poe: Choose Bot for ${what} (2/2)`,
    placeHolder: `The bot for ${what}, now ${current}`,
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (bot === undefined) return;
  await write(scope.scope, bot.id);
  const trusted = settings.trustedBots.includes('*') || settings.trustedBots.includes(bot.id);
  void vscode.window.showInformationMessage(
    `Poe: ${what === 'every action' ? 'Every action' : what} now uses ${bot.id} (your user settings).` +
      (shadowed(scope.scope) ? ' This workspace names another bot in its own settings, which wins here.' : '') +
      (trusted ? '' : ` ${bot.id} is not in poe.trustedBots: poe-lsp asks before its first query to it.`),
  );
}

async function fetchCatalogue(server: PoeServer): Promise<Catalogue> {
  try {
    return { bots: listedBots(await server.execute(CMD_LIST_BOTS)) };
  } catch (error) {
    return { error: errorMessage(error) };
  }
}

/** Write the choice to the user settings (Global), keeping the user's other per-action bots. */
async function write(scope: BotScope, id: string): Promise<void> {
  const config = vscode.workspace.getConfiguration(CONFIG_SECTION);
  const setting = botSetting(scope, id, config.inspect<Record<string, unknown>>('bots')?.globalValue);
  await config.update(setting.key, setting.value, vscode.ConfigurationTarget.Global);
}

/** Whether the workspace's settings name a bot for `scope`, which wins over the user's. */
function shadowed(scope: BotScope): boolean {
  const config = vscode.workspace.getConfiguration(CONFIG_SECTION);
  if (scope === 'all') {
    const bot = config.inspect('bot');
    return bot?.workspaceValue !== undefined || bot?.workspaceFolderValue !== undefined;
  }
  const bots = config.inspect<Record<string, unknown>>('bots');
  return bots?.workspaceValue?.[scope] !== undefined || bots?.workspaceFolderValue?.[scope] !== undefined;
}
