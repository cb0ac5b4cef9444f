/**
 * Opting in to poe-lsp's `poe/jobEnded` notification: the client capability
 * `experimental.poeJobEvents` and the handler that hands each event on.
 */

import type { BaseLanguageClient, ClientCapabilities, Disposable, FeatureState, StaticFeature } from 'vscode-languageclient';
import { EXPERIMENTAL_JOB_EVENTS, NOTIFY_JOB_ENDED, isJobEnded, type JobEnded } from './contract';

export class JobEventsFeature implements StaticFeature {
  private subscription: Disposable | undefined;

  constructor(
    private readonly client: BaseLanguageClient,
    private readonly onJobEnded: (event: JobEnded) => void,
  ) {}

  fillClientCapabilities(capabilities: ClientCapabilities): void {
    const experimental = (capabilities.experimental ?? {}) as Record<string, unknown>;
    capabilities.experimental = { ...experimental, [EXPERIMENTAL_JOB_EVENTS]: true };
  }

  initialize(): void {
    this.subscription?.dispose();
    this.subscription = this.client.onNotification(NOTIFY_JOB_ENDED, (params: unknown) => {
      if (isJobEnded(params)) this.onJobEnded(params);
    });
  }

  getState(): FeatureState {
    return { kind: 'static' };
  }

  clear(): void {
    this.subscription?.dispose();
    this.subscription = undefined;
  }
}
