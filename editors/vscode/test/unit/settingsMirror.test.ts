// package.json's `poe.*` settings and settings.ts mirror poe_lsp/settings.py: every key the
// server reads is contributed, with the server's default and range.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import * as settings from '../../src/settings';

const root = resolve(__dirname, '../../../../..');
const python = readFileSync(resolve(root, 'poe_lsp/settings.py'), 'utf8');
const manifest = JSON.parse(readFileSync(resolve(root, 'editors/vscode/package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { default?: unknown; minimum?: number; maximum?: number }> } };
};
const contributed = manifest.contributes.configuration.properties;

function camel(snake: string): string {
  return snake.replace(/_(\w)/g, (_, letter: string) => letter.toUpperCase());
}

function pythonLiteral(name: string): string {
  const match = new RegExp(`^${name}(?::[^=]+)? = ([\\s\\S]*?)\\n(?=[A-Za-z_"@#])`, 'm').exec(python);
  assert.ok(match?.[1], `${name} not found in settings.py`);
  return match[1];
}

/** A Python literal of strings, numbers and booleans, as JSON. */
function fromPython(literal: string): unknown {
  return JSON.parse(literal.replace(/\(/g, '[').replace(/\)/g, ']').replace(/\bFalse\b/g, 'false').replace(/\bTrue\b/g, 'true').replace(/,(\s*[\]}])/g, '$1'));
}

test('every key the server reads is a contributed setting', () => {
  const keys = new Set([
    ...[...python.matchAll(/data\.get\("(\w+)"\)/g)].map((m) => m[1]),
    ...[...python.matchAll(/_(?:number|url)\(data, "(\w+)"/g)].map((m) => m[1]),
  ]);
  assert.ok(keys.size >= 8, `found only ${keys.size} keys`);
  for (const key of keys) assert.ok(contributed[`poe.${key ?? ''}`], `poe.${key ?? ''} is not in package.json`);
});

test("the defaults are the server's", () => {
  const expected: Record<string, unknown> = {
    bot: fromPython(pythonLiteral('DEFAULT_BOT')),
    baseUrl: fromPython(pythonLiteral('DEFAULT_BASE_URL')),
    trustedBots: fromPython(pythonLiteral('TRUSTED_BOTS')),
    review: fromPython(pythonLiteral('DEFAULT_REVIEW')),
  };
  for (const match of python.matchAll(/^ {4}(\w+): (?:int|float) = ([\d.]+)$/gm)) {
    expected[camel(match[1] ?? '')] = Number(match[2]);
  }
  assert.ok(Object.keys(expected).length >= 8);
  const ours = settings.readSettings({ get: () => undefined }).server as Record<string, unknown>;
  for (const [key, value] of Object.entries(expected)) {
    assert.deepEqual(contributed[`poe.${key}`]?.default, value, `package.json default of poe.${key}`);
    assert.deepEqual(ours[key], value, `settings.ts default of ${key}`);
  }
});

test("the ranges are the server's", () => {
  for (const match of python.matchAll(/_number\(data, "(\w+)", ([\d.]+), ([\d.]+),/g)) {
    const name = `poe.${match[1] ?? ''}`;
    const setting = contributed[name];
    assert.ok(setting, `${name} is not in package.json`);
    assert.equal(setting.minimum, Number(match[2]), `minimum of ${name}`);
    assert.equal(setting.maximum, Number(match[3]), `maximum of ${name}`);
  }
});
