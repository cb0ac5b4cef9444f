import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Job } from '../../src/jobs';
import { STATUS_COMMANDS, formatPoints, statusView, type StatusState } from '../../src/statusView';

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
