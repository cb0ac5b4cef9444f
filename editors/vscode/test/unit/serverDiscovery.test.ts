import assert from 'node:assert/strict';
import { test } from 'node:test';
import { discoverServer, findOnPath, isFound, type DiscoveryInput, type Probe } from '../../src/serverDiscovery';

/** A machine with these executables, where these interpreters have poe_lsp. */
function machine(executables: string[], withPoeLsp: string[]): Probe & { ran: string[] } {
  const ran: string[] = [];
  return {
    ran,
    isExecutable: (file) => Promise.resolve(executables.includes(file)),
    succeeds: (command, args) => {
      ran.push([command, ...args].join(' '));
      return Promise.resolve(withPoeLsp.includes(command));
    },
  };
}

function input(overrides: Partial<DiscoveryInput> = {}): DiscoveryInput {
  return {
    serverPath: undefined,
    pythonPath: undefined,
    selectedPython: () => Promise.resolve(undefined),
    envPath: '/usr/local/bin:/usr/bin',
    platform: 'linux',
    ...overrides,
  };
}

test('poe.server.path wins and must be executable', async () => {
  const probe = machine(['/opt/poe-lsp', '/usr/bin/poe-lsp'], []);
  assert.deepEqual(await discoverServer(input({ serverPath: '/opt/poe-lsp' }), probe), {
    command: '/opt/poe-lsp',
    args: [],
    origin: 'poe.server.path',
  });
  const missing = await discoverServer(input({ serverPath: '/nope' }), probe);
  assert.ok(!isFound(missing));
  assert.match(missing.reason, /poe\.server\.path is \/nope/);
});

test('poe.server.pythonPath comes next, checked with python -m poe_lsp --version', async () => {
  const probe = machine(['/usr/bin/poe-lsp'], ['/venv/bin/python']);
  const found = await discoverServer(input({ pythonPath: '/venv/bin/python' }), probe);
  assert.deepEqual(found, { command: '/venv/bin/python', args: ['-P', '-m', 'poe_lsp'], origin: 'poe.server.pythonPath' });
  assert.deepEqual(probe.ran, ['/venv/bin/python -P -m poe_lsp --version']);
  const broken = await discoverServer(input({ pythonPath: '/other/python' }), probe);
  assert.ok(!isFound(broken));
  assert.equal(broken.python, '/other/python');
});

test('then poe-lsp on the PATH, in PATH order', async () => {
  const probe = machine(['/usr/bin/poe-lsp', '/usr/local/bin/poe-lsp'], ['python3']);
  const found = await discoverServer(input(), probe);
  assert.deepEqual(found, { command: '/usr/local/bin/poe-lsp', args: [], origin: 'PATH' });
});

test("then the Python extension's interpreter, then python3", async () => {
  const selected = () => Promise.resolve('/proj/.venv/bin/python');
  assert.deepEqual(
    await discoverServer(input({ selectedPython: selected }), machine([], ['/proj/.venv/bin/python', 'python3'])),
    { command: '/proj/.venv/bin/python', args: ['-P', '-m', 'poe_lsp'], origin: 'the Python extension' },
  );
  assert.deepEqual(await discoverServer(input({ selectedPython: selected }), machine([], ['python3'])), {
    command: 'python3',
    args: ['-P', '-m', 'poe_lsp'],
    origin: 'python3',
  });
});

test('nothing found: the reason names what was tried and where to install', async () => {
  const missing = await discoverServer(input({ selectedPython: () => Promise.resolve('/proj/py') }), machine([], []));
  assert.ok(!isFound(missing));
  assert.match(missing.reason, /not on the PATH/);
  assert.equal(missing.python, '/proj/py');
});

test('Windows: PATHEXT and ; separate the PATH', async () => {
  const probe = machine(['C:\\Tools\\poe-lsp.exe'], []);
  const found = await findOnPath('poe-lsp', input({ platform: 'win32', envPath: 'C:\\Other;C:\\Tools', pathExt: '.COM;.EXE' }), probe);
  assert.equal(found, 'C:\\Tools\\poe-lsp.exe');
});

test('the bundled poe-lsp comes before the PATH, run by a Python that can (3.11+)', async () => {
  const launcher = '/ext/bundled/tool/poe_lsp_server.py';
  const selected = () => Promise.resolve('/proj/.venv/bin/python');
  const probe = machine(['/usr/bin/poe-lsp'], ['python3']);
  const found = await discoverServer(input({ bundledServer: launcher, selectedPython: selected }), probe);
  assert.deepEqual(found, { command: 'python3', args: ['-I', launcher], origin: 'the bundled poe-lsp, with python3' });
  assert.deepEqual(probe.ran, [`/proj/.venv/bin/python -I ${launcher} --version`, `python3 -I ${launcher} --version`]);
  const settingWins = await discoverServer(input({ bundledServer: launcher, serverPath: '/usr/bin/poe-lsp' }), probe);
  assert.deepEqual(settingWins, { command: '/usr/bin/poe-lsp', args: [], origin: 'poe.server.path' });
});

test('no Python 3.11+ for the bundle: poe-lsp on the PATH, else say what to install', async () => {
  const launcher = '/ext/bundled/tool/poe_lsp_server.py';
  const onPath = await discoverServer(input({ bundledServer: launcher }), machine(['/usr/bin/poe-lsp'], []));
  assert.deepEqual(onPath, { command: '/usr/bin/poe-lsp', args: [], origin: 'PATH' });
  const missing = await discoverServer(input({ bundledServer: launcher }), machine([], []));
  assert.ok(!isFound(missing));
  assert.equal(missing.needsPython, true);
  assert.match(missing.reason, /needs Python 3\.11 or newer, and python3 is not one/);
  assert.match(missing.reason, /sudo apt install python3/);
  const windows = await discoverServer(input({ bundledServer: launcher, platform: 'win32' }), machine([], []));
  assert.ok(!isFound(windows));
  assert.match(windows.reason, /python\.org/);
});
