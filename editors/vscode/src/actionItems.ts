/**
 * What "Poe: Run Action…" offers: the custom actions and prompt files of `poe.listActions` as
 * quick pick items. Pure.
 */

import type { CustomAction } from './contract';

export interface ActionItem {
  label: string;
  description: string;
  detail: string;
  id: string;
}

const OUTPUTS: Readonly<Record<string, string>> = {
  replace: 'Replaces the selection with the answer, like Refactor',
  explain: 'Explains the selection, like Explain',
  tests: 'Writes tests for the selection, like Write tests',
};

/** The items: the title without the `Poe: ` of its code action, the id, what it does. */
export function actionItems(actions: readonly CustomAction[]): ActionItem[] {
  return actions.map((action) => ({
    label: action.title.replace(/^Poe: /, ''),
    description: action.id,
    detail: OUTPUTS[action.output] ?? OUTPUTS.replace ?? '',
    id: action.id,
  }));
}

/** Narrow the answer of `poe.listActions`, keeping the well-formed entries. */
export function listedActions(value: unknown): CustomAction[] {
  const actions = typeof value === 'object' && value !== null ? (value as { actions?: unknown }).actions : undefined;
  if (!Array.isArray(actions)) return [];
  return actions.filter(
    (entry): entry is CustomAction =>
      typeof entry === 'object' && entry !== null && typeof (entry as CustomAction).id === 'string' && typeof (entry as CustomAction).title === 'string',
  );
}
