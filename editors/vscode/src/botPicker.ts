/**
 * What "Poe: Choose Bot…" offers: the actions a bot can be chosen for, the catalogue of
 * `poe.listBots` as quick pick items, and the user setting a choice is written to.
 *
 * Pure: `botCommand.ts` shows the items and writes the setting.
 */

import { ACTIONS, TITLES, type Action, type ServerSettings } from './contract';
import { DEFAULT_BOT, botFor } from './settings';

/** One bot of `poe.listBots`; `null` where Poe said nothing usable. */
export interface CatalogueBot {
  id: string;
  description: string | null;
  ownedBy: string | null;
  inputModalities: string[] | null;
  outputModalities: string[] | null;
  pricing: Record<string, string | number> | null;
  contextLength: number | null;
}

/** The bots of a `poe.listBots` answer (`{"bots": [...]}`), entries without an id left out. */
export function listedBots(value: unknown): CatalogueBot[] {
  const bots = typeof value === 'object' && value !== null ? (value as { bots?: unknown }).bots : undefined;
  if (!Array.isArray(bots)) return [];
  return bots
    .filter((bot): bot is Record<string, unknown> => typeof bot === 'object' && bot !== null && typeof (bot as { id?: unknown }).id === 'string')
    .map((bot) => ({
      id: bot.id as string,
      description: typeof bot.description === 'string' ? bot.description : null,
      ownedBy: typeof bot.ownedBy === 'string' ? bot.ownedBy : null,
      inputModalities: Array.isArray(bot.inputModalities) ? (bot.inputModalities as string[]) : null,
      outputModalities: Array.isArray(bot.outputModalities) ? (bot.outputModalities as string[]) : null,
      pricing: typeof bot.pricing === 'object' && bot.pricing !== null ? (bot.pricing as Record<string, string | number>) : null,
      contextLength: typeof bot.contextLength === 'number' ? bot.contextLength : null,
    }));
}

/** The wire keys of {@link CatalogueBot} (checked against the server's contract by a test). */
export const CATALOGUE_BOT_FIELDS = [
  'id',
  'description',
  'ownedBy',
  'inputModalities',
  'outputModalities',
  'pricing',
  'contextLength',
] as const satisfies readonly (keyof CatalogueBot)[];

/** Every action (`poe.bot`) or one (`poe.bots.<action>`). */
export type BotScope = 'all' | Action;

export interface ScopeItem {
  label: string;
  description: string;
  scope: BotScope;
}

export interface BotItem {
  label: string;
  description: string;
  detail?: string;
  id: string;
}

/** "All actions", then each action, each with the bot it uses now. */
export function scopeItems(settings: Omit<ServerSettings, 'apiKey'>): ScopeItem[] {
  const own = ACTIONS.filter((action) => settings.bots?.[action] !== undefined).map((action) => TITLES[action]);
  const kept = own.length === 0 ? '' : ` (${own.join(', ')} keep${own.length === 1 ? 's' : ''} its own)`;
  return [
    { label: 'All actions', description: `now ${settings.bot ?? DEFAULT_BOT}${kept}`, scope: 'all' },
    ...ACTIONS.map((action) => ({ label: TITLES[action], description: `now ${botFor(settings, action)}`, scope: action })),
  ];
}

/** The catalogue as quick pick items: the id, who runs it and what it costs, its description. */
export function botItems(bots: readonly CatalogueBot[], current: string): BotItem[] {
  return bots.map((bot) => {
    const facts = [
      bot.id === current ? 'current' : undefined,
      bot.ownedBy === null ? undefined : `by ${bot.ownedBy}`,
      pricingWords(bot.pricing),
      contextWords(bot.contextLength),
    ].filter((fact): fact is string => fact !== undefined);
    const detail = bot.description?.replace(/\s+/g, ' ').trim();
    return { label: bot.id, description: facts.join(' · '), ...(detail ? { detail } : {}), id: bot.id };
  });
}

/**
 * Poe's pricing (US dollars per token, as strings or numbers) in words: "$2.60 in, $13.00 out
 * per million tokens", "$0.01 per message", "free"; undefined when it says nothing we know.
 */
export function pricingWords(pricing: CatalogueBot['pricing']): string | undefined {
  if (pricing === null) return undefined;
  const prompt = amount(pricing.prompt);
  const completion = amount(pricing.completion);
  const request = amount(pricing.request);
  const parts: string[] = [];
  if ((prompt ?? 0) > 0 || (completion ?? 0) > 0) {
    const perMillion = (value: number | undefined): string => dollars((value ?? 0) * 1_000_000);
    parts.push(`${perMillion(prompt)} in, ${perMillion(completion)} out per million tokens`);
  }
  if (request !== undefined && request > 0) parts.push(`${dollars(request)} per message`);
  if (parts.length > 0) return parts.join(', ');
  return prompt !== undefined || completion !== undefined || request !== undefined ? 'free' : undefined;
}

/** "200K tokens of context". */
export function contextWords(tokens: number | null): string | undefined {
  if (tokens === null || !Number.isFinite(tokens) || tokens <= 0) return undefined;
  const size = tokens >= 1_000_000 ? `${round(tokens / 1_000_000)}M` : tokens >= 1000 ? `${round(tokens / 1000)}K` : String(tokens);
  return `${size} tokens of context`;
}

/**
 * The user setting that makes `id` the bot of `scope`: `poe.bot`, or the whole `poe.bots`
 * object of the user settings (`userBots`, never the merged value) with that one action changed.
 */
export function botSetting(
  scope: BotScope,
  id: string,
  userBots: Readonly<Record<string, unknown>> | undefined,
): { key: 'bot'; value: string } | { key: 'bots'; value: Record<string, unknown> } {
  if (scope === 'all') return { key: 'bot', value: id };
  return { key: 'bots', value: { ...userBots, [scope]: id } };
}

function amount(value: unknown): number | undefined {
  const parsed = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(parsed) && parsed >= 0 ? parsed : undefined;
}

function dollars(value: number): string {
  if (value === 0) return '$0';
  return value >= 0.01 ? `$${value.toFixed(2)}` : `$${Number(value.toPrecision(2))}`;
}

function round(value: number): string {
  return String(Math.round(value * 10) / 10);
}
