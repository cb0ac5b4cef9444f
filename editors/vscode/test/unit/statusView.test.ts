import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Job } from '../../src/jobs';
import { isUsageResult } from '../../src/contract';
import { STATUS_COMMANDS, formatPoints, spendingText, spendingTooltip, statusView, type StatusState } from '../../src/statusView';

const range = { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } };
const idle: StatusState = { server: 'running', jobs: [], error: undefined, balance: undefined };

function job(jobId: string, bot: string): Job {
  return { jobId, action: 'refactor', bot, uri: 'file:///m.py', range };
}

test('idle: the name, and the balance once known; a click opens the menu', () => {
  assert.deepEqual(statusView(idle), {
    text: '$(hubot) Poe',
    tooltip: "Poe is ready. Click for Poe's commands.",
    command: STATUS_COMMANDS.menu,
    severity: 'normal',
  });
  const withBalance = statusView({ ...idle, balance: 1 });
  assert.equal(withBalance.text, '$(hubot) Poe · 1 point');
});

test('streaming: the bot name, and a click cancels', () => {
  const one = statusView({ ...idle, jobs: [job('refactor-1', 'Claude-Sonnet-4.5')], error: 'old failure' });
  assert.equal(one.text, '$(loading~spin) Poe: Claude-Sonnet-4.5');
  assert.equal(one.command, STATUS_COMMANDS.cancel);
  assert.match(one.tooltip, /Refactor with Claude-Sonnet-4\.5/);
  const two = statusView({ ...idle, jobs: [job('refactor-1', 'A'), job('refactor-2', 'B')] });
  assert.equal(two.text, '$(loading~spin) Poe: 2 jobs');
});

test('an error shows until cleared; a stopped server asks for a restart', () => {
  const error = statusView({ ...idle, error: 'Poe refused the key.' });
  assert.equal(error.severity, 'error');
  assert.match(error.tooltip, /^Poe refused the key\./);
  assert.equal(error.command, STATUS_COMMANDS.log);
  const stopped = statusView({ ...idle, server: 'stopped', error: 'x' });
  assert.equal(stopped.severity, 'warning');
  assert.equal(stopped.command, STATUS_COMMANDS.restart);
});

test('points are counted in words', () => {
  assert.match(formatPoints(12345), /^12.?345 points$/);
  assert.equal(formatPoints(1), '1 point');
});

const usage = {
  today: { points: 1020, byBot: { Explainer: 220, Code: 800 } },
  session: { points: 300, byBot: {} },
  dailyBudget: 5000,
  known: true,
};

test("today's spending next to the balance, when the server tells it", () => {
  const both = statusView({ ...idle, balance: 12340, usage });
  assert.match(both.text, /^\$\(hubot\) Poe: 12.?340 pts · today 1.?020$/);
  assert.match(both.tooltip, /Spent today: 1.?020 points \(Code 800, Explainer 220\); this session: 300 points; daily budget 5.?000 points\./);
  assert.match(statusView({ ...idle, usage }).text, /^\$\(hubot\) Poe · today 1.?020 pts$/);
  assert.equal(spendingTooltip({ ...usage, dailyBudget: 0 }).includes('budget'), false);
});

test('without poe.usage (or not known), the balance alone as before', () => {
  assert.equal(statusView({ ...idle, balance: 1, usage: undefined }).text, '$(hubot) Poe · 1 point');
  assert.equal(statusView({ ...idle, balance: 1, usage: { ...usage, known: false } }).text, '$(hubot) Poe · 1 point');
  assert.equal(spendingText(undefined, usage).startsWith('Poe · today'), true);
});

test('a usage answer is checked before it is shown', () => {
  assert.ok(isUsageResult(usage));
  assert.ok(!isUsageResult({ ...usage, today: { points: 1 } }));
  assert.ok(!isUsageResult(null));
});
