import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import {
  ALLOWED_HOSTS_ENV,
  DAILY_POINT_BUDGET_ENV,
  TRUSTED_BOTS_ENV,
  serverEnv,
  urlHost,
  type ConfigInspector,
} from '../../src/serverEnv';

const KEY = 'poe-secret-key-123';
const trustPy = readFileSync(resolve(__dirname, '../../../../../poe_lsp/trust.py'), 'utf8');

/** A `poe` section with these user-scope values and, to be ignored, these workspace values. */
function config(user: Record<string, unknown>, workspace: Record<string, unknown> = {}): ConfigInspector {
  return {
    inspect: (key) => {
      const values: { globalValue?: unknown; workspaceValue?: unknown } = {};
      if (key in user) values.globalValue = user[key];
      if (key in workspace) values.workspaceValue = workspace[key];
      return values;
    },
  };
}

test('nothing in the user settings adds nothing, whatever the workspace says', () => {
  const project = config({}, { trustedBots: ['*'], baseUrl: 'https://evil.example/bot/', apiKey: KEY });
  assert.deepEqual(serverEnv(project, {}), {});
  assert.deepEqual(serverEnv(config({}), { [TRUSTED_BOTS_ENV]: 'Mine' }), {}, 'the inherited value stays as it is');
});

test("the user's trustedBots are trusted through POE_TRUSTED_BOTS, '*' included", () => {
  assert.deepEqual(serverEnv(config({ trustedBots: ['Code', ' Explainer ', 'GPT-5'] }), {}), {
    [TRUSTED_BOTS_ENV]: 'Code,Explainer,GPT-5',
  });
  assert.deepEqual(serverEnv(config({ trustedBots: ['*'] }), {}), { [TRUSTED_BOTS_ENV]: '*' });
});

test("the user's dailyPointBudget goes to POE_DAILY_POINT_BUDGET; the workspace's never does", () => {
  assert.deepEqual(serverEnv(config({ dailyPointBudget: 5000 }), {}), { [DAILY_POINT_BUDGET_ENV]: '5000' });
  assert.deepEqual(serverEnv(config({}, { dailyPointBudget: 100000000 }), {}), {});
  for (const odd of [0, -1, 2.5, '9000', null]) assert.deepEqual(serverEnv(config({ dailyPointBudget: odd }), {}), {});
});

test('a name that is blank, not a string, or would split into two is left out', () => {
  const env = serverEnv(config({ trustedBots: ['Code', '', '  ', 7, null, 'Cheap,Expensive'] }), {});
  assert.deepEqual(env, { [TRUSTED_BOTS_ENV]: 'Code' });
  assert.deepEqual(serverEnv(config({ trustedBots: 'Code' }), {}), {}, 'not a list');
  assert.deepEqual(serverEnv(config({ trustedBots: [] }), {}), {});
});

test('what VS Code inherited stays first, without repeats', () => {
  const env = serverEnv(config({ trustedBots: ['Code', 'Mine'], baseUrl: 'https://proxy.example/bot/' }), {
    [TRUSTED_BOTS_ENV]: ' Mine , Other,',
    [ALLOWED_HOSTS_ENV]: 'gw.example:8443',
  });
  assert.deepEqual(env, {
    [TRUSTED_BOTS_ENV]: 'Mine,Other,Code',
    [ALLOWED_HOSTS_ENV]: 'gw.example:8443,proxy.example',
  });
});

test("the hosts of the user's baseUrl and usageUrl are allowed, with the port they name", () => {
  const env = serverEnv(
    config({ baseUrl: 'https://Proxy.Example.com/bot/', usageUrl: 'https://usage.example.com:8443/' }),
    {},
  );
  assert.deepEqual(env, { [ALLOWED_HOSTS_ENV]: 'proxy.example.com,usage.example.com:8443' });
  const same = serverEnv(config({ baseUrl: 'https://proxy.example/bot/', usageUrl: 'https://proxy.example/' }), {});
  assert.deepEqual(same, { [ALLOWED_HOSTS_ENV]: 'proxy.example' });
  assert.deepEqual(serverEnv(config({ usageUrl: '' }), {}), {}, 'an empty usageUrl is derived from baseUrl');
});

test('the API key never reaches the environment', () => {
  const everything = config({
    apiKey: KEY,
    trustedBots: ['Code'],
    baseUrl: 'https://proxy.example/bot/',
    usageUrl: `https://${KEY}@proxy.example/`,
  });
  const env = serverEnv(everything, { [ALLOWED_HOSTS_ENV]: '' });
  assert.ok(!JSON.stringify(env).includes(KEY), JSON.stringify(env));
  assert.deepEqual(Object.keys(env).sort(), [ALLOWED_HOSTS_ENV, TRUSTED_BOTS_ENV]);
});

test('hosts read as poe-lsp reads them (urlsplit), ports only when named', () => {
  const cases: [string, string | undefined][] = [
    ['https://api.poe.com/bot/', 'api.poe.com'],
    ['http://localhost:8080/', 'localhost:8080'],
    ['https://gw.example:08443/x?y#z', 'gw.example:8443'],
    ['https://gw.example:443/', 'gw.example:443'],
    ['https://gw.example:/', 'gw.example'],
    ['HTTPS://GW.example/', 'gw.example'],
    ['http://[::1]:81/', '[::1]:81'],
    ['https://[2001:0DB8::0001]/', '[2001:0db8::0001]'],
    ['https://bücher.example/', 'bücher.example'],
    ['https://gw.example?q=1', 'gw.example'],
  ];
  for (const [url, host] of cases) assert.equal(urlHost(url), host, url);
});

test('URLs the server refuses, or that are not http(s) URLs, allow no host', () => {
  for (const url of [
    'https://user:pass@proxy.example/',
    'https://evil.example\\@api.poe.com/',
    'https://evil.example,api.poe.com/',
    'ftp://proxy.example/',
    'proxy.example',
    'https:///bot/',
    'https://gw.example:0/',
    'https://gw.example:65536/',
    'https://gw.example:port/',
    'https://a:1:2/',
    'https://[::1/',
    'https://[::1]x/',
    'https://[not-v6]/',
    'https://[fe80::1%eth0]/',
  ]) {
    assert.equal(urlHost(url), undefined, url);
  }
});

test("the variables are the ones poe_lsp/trust.py reads", () => {
  assert.match(trustPy, new RegExp(`^ALLOWED_HOSTS_ENV = "${ALLOWED_HOSTS_ENV}"$`, 'm'));
  assert.match(trustPy, new RegExp(`^TRUSTED_BOTS_ENV = "${TRUSTED_BOTS_ENV}"$`, 'm'));
});
