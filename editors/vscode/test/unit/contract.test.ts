// contract.ts mirrors poe_lsp/contract.py: the same names with the same values.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import * as contract from '../../src/contract';

const python = readFileSync(resolve(__dirname, '../../../../../poe_lsp/contract.py'), 'utf8');

/** The `NAME: Final = "value"` constants of the Python contract. */
function pythonConstants(): Map<string, string> {
  const constants = new Map<string, string>();
  for (const match of python.matchAll(/^([A-Z_]+): Final = "([^"]*)"$/gm)) {
    const [, name, value] = match;
    if (name !== undefined && value !== undefined) constants.set(name, value);
  }
  return constants;
}

/** The top-level keys of the dict that `to_json` of the Python class `className` builds. */
function toJsonKeys(className: string): string[] {
  const start = python.indexOf(`class ${className}`);
  const method = python.slice(python.indexOf('def to_json', start));
  const body = method.slice(0, method.search(/\n\S/));
  const literal = [...body.matchAll(/^ {12}"(\w+)":/gm)].map((match) => match[1] ?? '');
  const assigned = [...body.matchAll(/obj\["(\w+)"\] =/g)].map((match) => match[1] ?? '');
  return [...literal, ...assigned];
}

test('every string constant of contract.py has the same value here', () => {
  const constants = pythonConstants();
  assert.ok(constants.size >= 10, `found only ${constants.size} constants in contract.py`);
  const mirrored = contract as unknown as Record<string, unknown>;
  for (const [name, value] of constants) {
    assert.equal(mirrored[name], value, `${name} differs from contract.py`);
  }
});

test('the actions and the command-to-action map match', () => {
  const actions = /ACTIONS: Final\[tuple\[Action, \.\.\.\]\] = \(([^)]*)\)/.exec(python)?.[1];
  assert.deepEqual(actions?.split(',').map((a) => a.trim().replace(/"/g, '')), [...contract.ACTIONS]);
  for (const [command, action] of Object.entries(contract.COMMAND_ACTIONS)) {
    assert.equal(contract.ACTION_COMMANDS[action], command);
  }
  assert.equal(contract.KIND_REFACTOR, 'refactor.rewrite');
  assert.match(python, /KIND_REFACTOR: Final = t\.CodeActionKind\.RefactorRewrite\.value/);
});

test('the wire shapes have the same keys', () => {
  assert.deepEqual(new Set(toJsonKeys('JobEnded')), new Set(contract.JOB_ENDED_FIELDS));
  assert.deepEqual(new Set(toJsonKeys('ActionArgs')), new Set(contract.ACTION_ARGS_FIELDS));
});

test('poe.balance matches the server once the server names it', (t) => {
  const name = pythonConstants().get('CMD_BALANCE');
  if (name === undefined) {
    t.skip('contract.py has no CMD_BALANCE yet');
    return;
  }
  assert.equal(contract.CMD_BALANCE, name);
});

test('edit labels are recognised', () => {
  assert.equal(contract.editLabel('writeTests'), 'Poe: Write tests');
  assert.ok(contract.isPoeEditLabel('Poe: Refactor'));
  assert.ok(!contract.isPoeEditLabel('Rename'));
  assert.ok(!contract.isPoeEditLabel(undefined));
});

test('job events are validated', () => {
  const event = {
    jobId: 'refactor-1',
    action: 'refactor',
    uri: 'file:///m.py',
    targetUri: 'file:///m.py',
    outcome: 'done',
    message: 'ok',
    edits: 3,
    explanation: null,
  };
  assert.ok(contract.isJobEnded(event));
  assert.ok(!contract.isJobEnded({ ...event, outcome: 'exploded' }));
  assert.ok(!contract.isJobEnded({ ...event, action: 'dance' }));
  assert.ok(!contract.isJobEnded(null));
  assert.ok(contract.isJobStarted({ jobId: 'ask-2' }));
  assert.ok(!contract.isJobStarted({ cancelled: [] }));
});
