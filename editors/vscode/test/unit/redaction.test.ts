import assert from 'node:assert/strict';
import { test } from 'node:test';
import type * as vscode from 'vscode';
import { Redactor, redactingChannel } from '../../src/redaction';

const KEY = 'sk-test"key\\0123';

test('the key is masked as written and JSON-escaped', () => {
  const redactor = new Redactor();
  redactor.setSecrets([KEY, undefined, '']);
  const json = JSON.stringify({ apiKey: KEY });
  assert.ok(!redactor.redact(`key=${KEY}`).includes(KEY));
  assert.ok(!redactor.redact(json).includes(JSON.stringify(KEY).slice(1, -1)));
  assert.equal(redactor.redact('nothing secret'), 'nothing secret');
  assert.ok(!redactor.redactValue({ nested: { apiKey: KEY } }).includes('0123'));
  assert.ok(!redactor.redactValue(new Error(`bad ${KEY}`)).includes('0123'));
});

test('a new secret replaces the old ones', () => {
  const redactor = new Redactor();
  redactor.setSecrets(['old-key']);
  redactor.setSecrets(['new-key']);
  assert.equal(redactor.redact('old-key'), 'old-key');
  assert.notEqual(redactor.redact('new-key'), 'new-key');
});

test('the channel writes only redacted text', () => {
  const written: string[] = [];
  const record = (...parts: unknown[]) => {
    written.push(parts.map(String).join(' '));
  };
  const inner = {
    name: 'Poe',
    logLevel: 2,
    onDidChangeLogLevel: () => ({ dispose: () => undefined }),
    append: record,
    appendLine: record,
    replace: record,
    clear: () => undefined,
    show: () => undefined,
    hide: () => undefined,
    dispose: () => undefined,
    trace: record,
    debug: record,
    info: record,
    warn: record,
    error: record,
  } as unknown as vscode.LogOutputChannel;
  const redactor = new Redactor();
  redactor.setSecrets([KEY]);
  const channel = redactingChannel(inner, redactor);
  channel.appendLine(`initialize {"apiKey": ${JSON.stringify(KEY)}}`);
  channel.info('settings', { apiKey: KEY });
  channel.error(new Error(KEY));
  channel.trace(KEY);
  assert.equal(written.length, 4);
  for (const line of written) assert.ok(!line.includes('0123'), line);
  assert.equal(channel.name, 'Poe');
});
