/**
 * The status bar item (see `statusView.ts` for what it says) and the `poe.jobsRunning`
 * context key that shows "Cancel" in the editor's Poe menu.
 */

import * as vscode from 'vscode';
import type { JobTracker } from './jobs';
import type { UsageResult } from './contract';
import { statusView, type ServerState, type StatusState } from './statusView';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('poe-lsp.status', vscode.StatusBarAlignment.Right, 100);
  private readonly subscriptions: { dispose(): unknown }[] = [];
  private readonly state: StatusState = { server: 'stopped', jobs: [], error: undefined, balance: undefined };

  constructor(jobs: JobTracker) {
    this.item.name = 'Poe';
    this.subscriptions.push(
      jobs.onDidChange((running) => {
        if (running.length > this.state.jobs.length) this.state.error = undefined;
        this.state.jobs = running;
        void vscode.commands.executeCommand('setContext', 'poe.jobsRunning', running.length > 0);
        this.render();
      }),
      jobs.onDidEnd(({ event }) => {
        if (event.outcome === 'failed') {
          this.state.error = event.message;
          this.render();
        }
      }),
    );
    this.render();
    this.item.show();
  }

  setServerState(server: ServerState): void {
    this.state.server = server;
    this.render();
  }

  setBalance(points: number | undefined): void {
    this.state.balance = points;
    this.render();
  }

  /** Today's spending (`poe.usage`), or undefined: the balance alone. */
  setUsage(usage: UsageResult | undefined): void {
    this.state.usage = usage;
    this.render();
  }

  get balanceKnown(): boolean {
    return this.state.balance !== undefined;
  }

  /** The user looked at the error: back to idle. */
  clearError(): void {
    this.state.error = undefined;
    this.render();
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.item.dispose();
  }

  private render(): void {
    const view = statusView(this.state);
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.command = view.command;
    this.item.backgroundColor =
      view.severity === 'normal' ? undefined : new vscode.ThemeColor(`statusBarItem.${view.severity}Background`);
  }
}
