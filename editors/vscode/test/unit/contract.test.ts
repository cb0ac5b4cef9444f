// contract.ts is the server's contract (editors/contract.json): the same names, values and shapes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as contract from '../../src/contract';
import { ALLOWED_HOSTS_ENV, DAILY_POINT_BUDGET_ENV, TRUSTED_BOTS_ENV } from '../../src/serverEnv';
import { CONTRACT } from './contractJson';

test('every constant of the contract has the same value here', () => {
  const constants = Object.entries(CONTRACT.constants);
  assert.ok(constants.length >= 10, `contract.json has only ${constants.length} constants`);
  const mirrored = contract as unknown as Record<string, unknown>;
  for (const [name, value] of constants) assert.equal(mirrored[name], value, `${name} differs from contract.json`);
});

test('the actions, their commands, titles and edit labels match', () => {
  assert.deepEqual([...contract.ACTIONS], CONTRACT.actions.map((action) => action.name));
  assert.deepEqual([...contract.EDITING_ACTIONS], CONTRACT.actions.filter((a) => a.edits).map((a) => a.name));
  for (const action of CONTRACT.actions) {
    const name = action.name as contract.Action;
    assert.equal(contract.ACTION_COMMANDS[name], action.command);
    assert.equal(contract.COMMAND_ACTIONS[action.command], name);
    assert.equal(contract.TITLES[name], action.title);
    assert.equal(contract.editLabel(name), action.label);
    assert.equal(contract.isPoeEditLabel(action.label), action.edits, `label of ${name}`);
  }
  assert.deepEqual(Object.keys(contract.COMMAND_ACTIONS).sort(), CONTRACT.actions.map((a) => a.command).sort());
  assert.ok(!contract.isPoeEditLabel('Rename'));
  assert.ok(!contract.isPoeEditLabel(undefined));
});

test('the wire shapes have the same keys', () => {
  assert.deepEqual(new Set(contract.JOB_ENDED_FIELDS), new Set(Object.keys(CONTRACT.shapes.JobEnded)));
  assert.deepEqual(new Set(contract.ACTION_ARGS_FIELDS), new Set(Object.keys(CONTRACT.shapes.ActionArgs)));
  assert.deepEqual(CONTRACT.notifications[contract.NOTIFY_JOB_ENDED], {
    params: 'JobEnded',
    clientCapability: `experimental.${contract.EXPERIMENTAL_JOB_EVENTS}`,
  });
  for (const command of Object.values(contract.ACTION_COMMANDS)) {
    const args = command === contract.CMD_COMMIT_MESSAGE ? 'CommitMessageArgs' : 'ActionArgs';
    assert.deepEqual(CONTRACT.commands[command], { arguments: args, result: 'JobStarted' });
  }
  assert.deepEqual(Object.keys(CONTRACT.shapes.CommitMessageArgs).sort(), ['bot', 'rootUri', 'textDocument']);
  assert.deepEqual(Object.keys(CONTRACT.shapes.JobStarted), ['jobId']);
  assert.deepEqual(Object.keys(CONTRACT.shapes.BalanceResult), ['points']);
  assert.deepEqual(Object.keys(CONTRACT.shapes.CancelResult), ['cancelled']);
});

test('the server settings object has the contract keys', () => {
  assert.deepEqual(new Set(contract.SERVER_SETTINGS_KEYS), new Set(CONTRACT.settings.map((setting) => setting.key)));
  assert.deepEqual(
    Object.keys(CONTRACT.environment).sort(),
    ['POE_API_KEY', ALLOWED_HOSTS_ENV, DAILY_POINT_BUDGET_ENV, TRUSTED_BOTS_ENV].sort(),
  );
});

test('job events are validated as the contract says', () => {
  const event = {
    jobId: 'refactor-1',
    action: 'refactor',
    uri: 'file:///m.py',
    targetUri: 'file:///m.py',
    outcome: 'done',
    message: 'ok',
    edits: 3,
    explanation: null,
    text: null,
    points: null,
  };
  assert.deepEqual(new Set(Object.keys(event)), new Set(Object.keys(CONTRACT.shapes.JobEnded)));
  for (const outcome of CONTRACT.outcomes) assert.ok(contract.isJobEnded({ ...event, outcome }), outcome);
  for (const action of CONTRACT.actions) assert.ok(contract.isJobEnded({ ...event, action: action.name }), action.name);
  assert.ok(!contract.isJobEnded({ ...event, outcome: 'exploded' }));
  assert.ok(!contract.isJobEnded({ ...event, action: 'dance' }));
  assert.ok(!contract.isJobEnded(null));
  assert.ok(contract.isJobStarted({ jobId: 'ask-2' }));
  assert.ok(!contract.isJobStarted({ cancelled: [] }));
});
