// The shapes the new commands read are the server's (editors/contract.json).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CATALOGUE_BOT_FIELDS } from '../../src/botPicker';
import * as contract from '../../src/contract';
import { CONTRACT } from './contractJson';

const shapes = CONTRACT.shapes as unknown as Record<string, Record<string, string>>;

test('poe.listBots, poe.sent and poe.run have the shapes the extension reads', () => {
  assert.deepEqual(new Set(CATALOGUE_BOT_FIELDS), new Set(Object.keys(shapes.Bot ?? {})));
  assert.deepEqual(CONTRACT.commands[contract.CMD_LIST_BOTS]?.result, 'ListBotsResult');
  assert.deepEqual(shapes.SentResult, { messages: 'Message[]', sources: 'string[]', points: 'integer|null' });
  assert.deepEqual(Object.keys(shapes.Message ?? {}).sort(), ['content', 'role']);
  assert.ok(Object.keys(shapes.RunArgs ?? {}).includes('action'), JSON.stringify(shapes.RunArgs));
});

test('poe.usage and poe.followUp are declared by the server with the shapes the extension reads', () => {
  assert.equal(CONTRACT.commands[contract.CMD_USAGE]?.result, 'UsageResult');
  assert.deepEqual(Object.keys(shapes.FollowUpArgs ?? {}).sort(), ['instruction', 'jobId']);
});
