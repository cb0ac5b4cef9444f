import assert from 'node:assert/strict';
import { test } from 'node:test';
import { botItems, botSetting, contextWords, listedBots, pricingWords, scopeItems } from '../../src/botPicker';

const CATALOGUE = {
  bots: [
    {
      id: 'Claude-Sonnet-4.5',
      description: "Anthropic's\nmodel",
      ownedBy: 'Anthropic',
      inputModalities: ['text', 'image'],
      outputModalities: ['text'],
      pricing: { prompt: '0.0000026', completion: '0.000013' },
      contextLength: 200_000,
    },
    { id: 'GPT-5', description: null, ownedBy: null, inputModalities: null, outputModalities: null, pricing: null, contextLength: null },
    { description: 'no id' },
    'garbage',
  ],
};

test('the catalogue as quick pick items: id, who and what it costs, the description', () => {
  const items = botItems(listedBots(CATALOGUE), 'GPT-5');
  assert.deepEqual(items, [
    {
      label: 'Claude-Sonnet-4.5',
      description: 'by Anthropic · $2.60 in, $13.00 out per million tokens · 200K tokens of context',
      detail: "Anthropic's model",
      id: 'Claude-Sonnet-4.5',
    },
    { label: 'GPT-5', description: 'current', id: 'GPT-5' },
  ]);
});

test('an answer that is not a catalogue gives no bots', () => {
  assert.deepEqual(listedBots(null), []);
  assert.deepEqual(listedBots({ bots: 'x' }), []);
  assert.deepEqual(botItems([], 'Code'), []);
});

test('pricing in words', () => {
  assert.equal(pricingWords(null), undefined);
  assert.equal(pricingWords({ image: '0.1' }), undefined);
  assert.equal(pricingWords({ prompt: '0', completion: '0' }), 'free');
  assert.equal(pricingWords({ request: 0.01 }), '$0.01 per message');
  assert.equal(pricingWords({ prompt: '0.000000001', completion: 'x' }), '$0.001 in, $0 out per million tokens');
  assert.equal(contextWords(1_048_576), '1M tokens of context');
  assert.equal(contextWords(0), undefined);
});

test('"All actions" or one, each with the bot it uses now', () => {
  const items = scopeItems({ bot: 'Code', bots: { explain: 'Explainer' } });
  assert.deepEqual(items.map((item) => [item.label, item.description, item.scope]), [
    ['All actions', 'now Code (Explain keeps its own)', 'all'],
    ['Explain', 'now Explainer', 'explain'],
    ['Refactor', 'now Code', 'refactor'],
    ['Write tests', 'now Code', 'writeTests'],
    ['Ask', 'now Code', 'ask'],
    ['Write commit message', 'now Code', 'commitMessage'],
  ]);
});

test('the setting written: poe.bot, or the user\'s poe.bots with one action changed', () => {
  assert.deepEqual(botSetting('all', 'GPT-5', { ask: 'A' }), { key: 'bot', value: 'GPT-5' });
  assert.deepEqual(botSetting('refactor', 'GPT-5', { ask: 'A' }), { key: 'bots', value: { ask: 'A', refactor: 'GPT-5' } });
  assert.deepEqual(botSetting('ask', 'GPT-5', undefined), { key: 'bots', value: { ask: 'GPT-5' } });
});
