import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_TRUSTED_BOTS, botFor, isValidKey, readSettings, serverSettings, type ConfigReader } from '../../src/settings';

function config(values: Record<string, unknown>): ConfigReader {
  return { get: (key) => values[key] };
}

test('unset settings give the server its own defaults, every key present', () => {
  const settings = readSettings(config({}));
  assert.deepEqual(settings.server, {
    bot: 'Claude-Sonnet-4.5',
    bots: {},
    baseUrl: 'https://api.poe.com/bot/',
    usageUrl: '',
    contextLines: 30,
    projectInstructions: true,
    readTimeout: 120,
    rateLimit: 500,
    rateLimitWindow: 60,
    trustedBots: [...DEFAULT_TRUSTED_BOTS],
    review: { refactor: false, ask: true, writeTests: false, commitMessage: false },
    actions: [],
    contextBudget: 24000,
    dailyPointBudget: 0,
  });
  assert.equal(settings.settingsApiKey, undefined);
  assert.equal(settings.serverPath, undefined);
  assert.equal(settings.explainShow, 'hover');
});

test('values are trimmed, empty strings are unset, unknown bots keys dropped', () => {
  const settings = readSettings(
    config({
      bot: ' GPT-5 ',
      bots: { explain: 'Fast', refactor: '', dance: 'X' },
      baseUrl: '',
      contextLines: 5,
      projectInstructions: 'no',
      readTimeout: 'soon',
      apiKey: '  ',
      'server.path': '/opt/poe-lsp',
      'explain.show': 'preview',
    }),
  );
  assert.equal(settings.server.bot, 'GPT-5');
  assert.deepEqual(settings.server.bots, { explain: 'Fast' });
  assert.equal(settings.server.baseUrl, 'https://api.poe.com/bot/');
  assert.equal(settings.server.contextLines, 5);
  assert.equal(settings.server.projectInstructions, true);
  assert.equal(readSettings(config({ projectInstructions: false })).server.projectInstructions, false);
  assert.equal(settings.server.readTimeout, 120);
  assert.equal(settings.settingsApiKey, undefined);
  assert.equal(settings.serverPath, '/opt/poe-lsp');
  assert.equal(settings.explainShow, 'preview');
});

test('the key from secret storage wins; none at all leaves the server to $POE_API_KEY', () => {
  const withSetting = readSettings(config({ apiKey: 'from-settings' }));
  assert.equal(serverSettings(withSetting, 'from-secrets').apiKey, 'from-secrets');
  assert.equal(serverSettings(withSetting, undefined).apiKey, 'from-settings');
  assert.equal(serverSettings(readSettings(config({})), undefined).apiKey, '');
});

test('a bot list with a blank name is ignored; review flags merge over the defaults', () => {
  const settings = readSettings(config({ trustedBots: ['Code', ' '], review: { refactor: true, ask: 'yes' } }));
  assert.deepEqual(settings.server.trustedBots, [...DEFAULT_TRUSTED_BOTS]);
  assert.deepEqual(settings.server.review, { refactor: true, ask: true, writeTests: false, commitMessage: false });
  assert.deepEqual(readSettings(config({ trustedBots: ['*'] })).server.trustedBots, ['*']);
});

test('the bot of an action: override, then bots, then bot', () => {
  const { server } = readSettings(config({ bot: 'Main', bots: { explain: 'Explainer' } }));
  assert.equal(botFor(server, 'explain'), 'Explainer');
  assert.equal(botFor(server, 'refactor'), 'Main');
  assert.equal(botFor(server, 'refactor', 'Chosen'), 'Chosen');
});

test('keys are one word of printable ASCII', () => {
  assert.ok(isValidKey('sk-abc_123'));
  assert.ok(!isValidKey('two words'));
  assert.ok(!isValidKey(''));
  assert.ok(!isValidKey('ключ'));
});
