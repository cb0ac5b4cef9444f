/**
 * Keeping the API key out of the output channels: every line the language client writes (its
 * log, the server's stderr, the message trace) passes through a {@link Redactor}.
 */

import type * as vscode from 'vscode';

const MASK = '«poe api key»';

/** Masks the secrets it was given, as written and as JSON-escaped. */
export class Redactor {
  private patterns: string[] = [];

  /** Replace the secrets to mask. */
  setSecrets(secrets: readonly (string | undefined)[]): void {
    const patterns = new Set<string>();
    for (const secret of secrets) {
      if (secret === undefined || secret === '') continue;
      patterns.add(secret);
      patterns.add(JSON.stringify(secret).slice(1, -1));
    }
    this.patterns = [...patterns].sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let result = text;
    for (const pattern of this.patterns) result = result.split(pattern).join(MASK);
    return result;
  }

  /** Redact a log argument, turning it into text first. */
  redactValue(value: unknown): string {
    if (typeof value === 'string') return this.redact(value);
    if (value instanceof Error) return this.redact(value.stack ?? value.message);
    if (value === undefined) return 'undefined';
    try {
      return this.redact(JSON.stringify(value));
    } catch {
      return '[a value that cannot be written as JSON]';
    }
  }
}

/** A log channel that writes to `inner` what the redactor lets through. */
export function redactingChannel(inner: vscode.LogOutputChannel, redactor: Redactor): vscode.LogOutputChannel {
  const text = (message: string): string => redactor.redact(message);
  const values = (args: unknown[]): string[] => args.map((arg) => redactor.redactValue(arg));
  return {
    get name() {
      return inner.name;
    },
    get logLevel() {
      return inner.logLevel;
    },
    onDidChangeLogLevel: inner.onDidChangeLogLevel,
    append: (value) => {
      inner.append(text(value));
    },
    appendLine: (value) => {
      inner.appendLine(text(value));
    },
    replace: (value) => {
      inner.replace(text(value));
    },
    clear: () => {
      inner.clear();
    },
    // The interface still has the deprecated show(column, preserveFocus) overload to satisfy.
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    show: (columnOrFocus?: vscode.ViewColumn | boolean, preserveFocus?: boolean) => {
      inner.show(typeof columnOrFocus === 'boolean' ? columnOrFocus : preserveFocus);
    },
    hide: () => {
      inner.hide();
    },
    dispose: () => {
      inner.dispose();
    },
    trace: (message, ...args) => {
      inner.trace(text(message), ...values(args));
    },
    debug: (message, ...args) => {
      inner.debug(text(message), ...values(args));
    },
    info: (message, ...args) => {
      inner.info(text(message), ...values(args));
    },
    warn: (message, ...args) => {
      inner.warn(text(message), ...values(args));
    },
    error: (error, ...args) => {
      inner.error(redactor.redactValue(error), ...values(args));
    },
  };
}
