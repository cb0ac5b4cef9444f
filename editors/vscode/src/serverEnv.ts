/**
 * What the user's own settings trust, handed to poe-lsp through its environment.
 *
 * poe-lsp treats every LSP setting as possibly the project's, so `trustedBots`, `baseUrl` and
 * `usageUrl` sent over LSP can only narrow what the key reaches and spends. What it finds in its
 * environment is the user's word: `POE_TRUSTED_BOTS` (bots trusted without asking, `*` for all)
 * `POE_ALLOWED_HOSTS` (hosts besides Poe's and this machine the key may go to) and
 * `POE_DAILY_POINT_BUDGET` (a daily budget a project's settings cannot raise). In VS Code
 * these settings are application-scoped, so only the user settings can set them; this
 * module turns their user-scope values (never the merged ones) into those variables.
 *
 * Pure: it reads through {@link ConfigInspector}, which `vscode.WorkspaceConfiguration`
 * satisfies. The API key is never read here: it goes to the server in memory only.
 */

export const TRUSTED_BOTS_ENV = 'POE_TRUSTED_BOTS';
export const ALLOWED_HOSTS_ENV = 'POE_ALLOWED_HOSTS';
export const DAILY_POINT_BUDGET_ENV = 'POE_DAILY_POINT_BUDGET';

/** The part of `vscode.WorkspaceConfiguration` this module reads. */
export interface ConfigInspector {
  inspect(key: string): { globalValue?: unknown } | undefined;
}

/** The variables to add to the server's environment (none: nothing in the user settings). */
export type ServerEnv = Partial<
  Record<typeof TRUSTED_BOTS_ENV | typeof ALLOWED_HOSTS_ENV | typeof DAILY_POINT_BUDGET_ENV, string>
>;

/**
 * The environment entries for the server: the user-scope `poe.trustedBots` as
 * `POE_TRUSTED_BOTS`, and the hosts of the user-scope `poe.baseUrl` and `poe.usageUrl` as
 * `POE_ALLOWED_HOSTS`, each after what `inherited` (VS Code's own environment, also the user's)
 * already lists there. A variable the user settings add nothing to is left out, so the
 * inherited one stays as it is.
 */
export function serverEnv(config: ConfigInspector, inherited: Readonly<Record<string, string | undefined>>): ServerEnv {
  const env: ServerEnv = {};
  const bots = userBots(config.inspect('trustedBots')?.globalValue);
  if (bots.length > 0) env[TRUSTED_BOTS_ENV] = joinAfter(inherited[TRUSTED_BOTS_ENV], bots);
  const hosts = ['baseUrl', 'usageUrl']
    .map((key) => config.inspect(key)?.globalValue)
    .map((url) => (typeof url === 'string' ? urlHost(url) : undefined))
    .filter((host): host is string => host !== undefined);
  if (hosts.length > 0) env[ALLOWED_HOSTS_ENV] = joinAfter(inherited[ALLOWED_HOSTS_ENV], hosts);
  const budget = config.inspect('dailyPointBudget')?.globalValue;
  if (typeof budget === 'number' && Number.isInteger(budget) && budget > 0) env[DAILY_POINT_BUDGET_ENV] = String(budget);
  return env;
}

/**
 * The host of an http(s) URL as `POE_ALLOWED_HOSTS` lists it: `host`, `host:port` when the URL
 * names a port, `[v6]` or `[v6]:port`. Read the way poe-lsp reads it (Python's `urlsplit`, not
 * the WHATWG parser, which would rewrite IPv6 and international names), so the entry matches
 * the host the server sends to. Undefined for anything else, and for a URL with a user name,
 * password or backslash in its host part, which the server refuses anyway.
 */
export function urlHost(url: string): string | undefined {
  const match = /^https?:\/\/([^/?#]*)/i.exec(url.trim());
  const netloc = match?.[1];
  if (netloc === undefined || /[@\\\s,]/.test(netloc)) return undefined;
  let host: string;
  let port: string;
  if (netloc.startsWith('[')) {
    const close = netloc.indexOf(']');
    if (close < 0) return undefined;
    host = netloc.slice(1, close);
    const rest = netloc.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) return undefined;
    port = rest.slice(1);
    if (!host.includes(':') || /[^0-9a-f:.]/i.test(host)) return undefined;
    host = `[${host.toLowerCase()}]`;
  } else {
    const colon = netloc.indexOf(':');
    host = (colon < 0 ? netloc : netloc.slice(0, colon)).toLowerCase();
    port = colon < 0 ? '' : netloc.slice(colon + 1);
    if (host.includes(':') || /[[\]]/.test(host)) return undefined;
  }
  if (host === '' || (port !== '' && !isPort(port))) return undefined;
  return port === '' ? host : `${host}:${String(Number(port))}`;
}

function userBots(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((name): name is string => typeof name === 'string')
    .map((name) => name.trim())
    .filter((name) => name !== '' && !name.includes(','));
}

function isPort(port: string): boolean {
  return /^\d{1,5}$/.test(port) && Number(port) > 0 && Number(port) < 65536;
}

/** `extra` after the entries of `inherited`, without repeats. */
function joinAfter(inherited: string | undefined, extra: readonly string[]): string {
  const entries = (inherited ?? '').split(',').map((item) => item.trim()).filter((item) => item !== '');
  return [...new Set([...entries, ...extra])].join(',');
}
