// package.json's `poe.*` settings and settings.ts are the server's settings (editors/contract.json):
// every key contributed, with the server's type, default, range, scope and description.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import * as settings from '../../src/settings';
import { CONTRACT, ROOT, type ContractSetting } from './contractJson';

interface Contributed {
  type?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  enum?: string[];
  items?: { type?: string };
  properties?: Record<string, { type?: string }>;
  scope?: string;
  description?: string;
  markdownDescription?: string;
}

const manifest = JSON.parse(readFileSync(resolve(ROOT, 'editors/vscode/package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, Contributed> } };
};
const contributed = manifest.contributes.configuration.properties;
/** The extension's own settings, which the server never reads. */
const EXTENSION_ONLY = ['poe.explain.show', 'poe.server.path', 'poe.server.pythonPath', 'poe.trace.server'];

/** A contract value as VS Code shows it: unset strings are `""`. */
function vscodeDefault(setting: ContractSetting): unknown {
  return setting.default === null && setting.type === 'string' ? '' : setting.default;
}

/** The contract's description in VS Code's Markdown: a setting named `key` becomes a link. */
function vscodeDescription(description: string): string {
  const keys = new Set(CONTRACT.settings.map((setting) => setting.key));
  return description.replace(/`(\w+)`/g, (whole, key: string) => (keys.has(key) ? `\`#poe.${key}#\`` : whole));
}

test('every server setting is contributed, and nothing else claims to be one', () => {
  assert.ok(CONTRACT.settings.length >= 10, `contract.json has only ${CONTRACT.settings.length} settings`);
  const server = CONTRACT.settings.map((setting) => `poe.${setting.key}`);
  for (const name of server) assert.ok(contributed[name], `${name} is not in package.json`);
  assert.deepEqual(Object.keys(contributed).filter((name) => !server.includes(name)).sort(), [...EXTENSION_ONLY].sort());
});

test("each setting has the server's type, default, range, enum and scope", () => {
  for (const setting of CONTRACT.settings) {
    const name = `poe.${setting.key}`;
    const ours = contributed[name] ?? {};
    assert.equal(ours.type, setting.type, `type of ${name}`);
    assert.deepEqual(ours.default, vscodeDefault(setting), `default of ${name}`);
    assert.equal(ours.minimum, setting.minimum, `minimum of ${name}`);
    assert.equal(ours.maximum, setting.maximum, `maximum of ${name}`);
    assert.deepEqual(ours.enum, setting.enum, `enum of ${name}`);
    assert.equal(ours.items?.type, setting.items, `items of ${name}`);
    assert.deepEqual(Object.keys(ours.properties ?? {}).sort(), [...(setting.properties ?? [])].sort(), `properties of ${name}`);
    for (const property of Object.values(ours.properties ?? {})) assert.equal(property.type, setting.values, `values of ${name}`);
    // Only the user settings may set where the key goes and which bots spend points.
    assert.equal(ours.scope === 'application', setting.userOnly === true, `scope of ${name}`);
  }
});

test("each setting's description starts with the server's", () => {
  for (const setting of CONTRACT.settings) {
    const name = `poe.${setting.key}`;
    const text = contributed[name]?.markdownDescription ?? contributed[name]?.description ?? '';
    const expected = vscodeDescription(setting.description);
    assert.ok(text.startsWith(expected), `${name} should start with:\n  ${expected}\nbut is:\n  ${text}`);
  }
});

test("settings.ts sends the server's defaults, and the README lists every setting", () => {
  const ours = { ...settings.readSettings({ get: () => undefined }).server, apiKey: '' } as Record<string, unknown>;
  assert.deepEqual(Object.keys(ours).sort(), CONTRACT.settings.map((setting) => setting.key).sort());
  for (const setting of CONTRACT.settings) assert.deepEqual(ours[setting.key], vscodeDefault(setting), `default of ${setting.key}`);
  const readme = readFileSync(resolve(ROOT, 'editors/vscode/README.md'), 'utf8');
  for (const setting of CONTRACT.settings) assert.ok(readme.includes(`\`poe.${setting.key}\``), `poe.${setting.key} is not in the README`);
});
