/**
 * Telling the user that poe-lsp was not found, and how to get it: install it with pip in a
 * task (the server starts when it succeeds), or choose the executable.
 */

import * as vscode from 'vscode';
import type { ServerMissing } from './serverDiscovery';

const INSTALL = 'Install poe-lsp';
const CHOOSE = 'Choose poe-lsp…';
const SETTINGS = 'Open Settings';
const PACKAGE = 'poe-lsp';

export async function reportMissingServer(missing: ServerMissing, restart: () => Promise<void>): Promise<void> {
  const python = missing.python;
  const install = python === undefined ? [] : [INSTALL];
  const advice = missing.needsPython === true
    ? 'Or install poe-lsp yourself (`pipx install poe-lsp`) and point poe.server.path at it.'
    : `Install it with \`pipx install ${PACKAGE}\` (or \`python3 -m pip install ${PACKAGE}\` in a virtual environment), or point poe.server.path at it.`;
  const choice = await vscode.window.showErrorMessage(
    `Poe needs the poe-lsp language server. ${missing.reason} ${advice}`,
    ...install,
    CHOOSE,
    SETTINGS,
  );
  if (choice === INSTALL && python !== undefined) {
    installInTerminal(python, restart);
  } else if (choice === CHOOSE) {
    const picked = await vscode.window.showOpenDialog({
      title: 'The poe-lsp executable',
      canSelectMany: false,
      openLabel: 'Use this poe-lsp',
    });
    const [file] = picked ?? [];
    if (file !== undefined) {
      await vscode.workspace.getConfiguration('poe').update('server.path', file.fsPath, vscode.ConfigurationTarget.Global);
    }
  } else if (choice === SETTINGS) {
    await vscode.commands.executeCommand('workbench.action.openSettings', 'poe.server');
  }
}

function installInTerminal(python: string, restart: () => Promise<void>): void {
  const task = new vscode.Task(
    { type: 'process' },
    vscode.TaskScope.Global,
    'Install poe-lsp',
    'Poe',
    new vscode.ProcessExecution(python, ['-m', 'pip', 'install', PACKAGE]),
  );
  const ended = vscode.tasks.onDidEndTaskProcess((event) => {
    if (event.execution.task.name !== task.name || event.execution.task.source !== task.source) return;
    ended.dispose();
    if (event.exitCode === 0) void restart();
    else void vscode.window.showErrorMessage('Poe: installing poe-lsp failed; the terminal shows why.');
  });
  void vscode.tasks.executeTask(task);
}
