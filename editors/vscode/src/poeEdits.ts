/**
 * Recognising poe-lsp's edits among `workspace/applyEdit` requests: the streamed ones, which
 * the extension applies itself so that one answer becomes one undo step, and the reviewed ones
 * (annotated `needsConfirmation`), which it shows as a diff to apply or discard.
 *
 * Pure: works on the protocol's JSON.
 */

import type { ApplyWorkspaceEditParams, TextEdit, WorkspaceEdit } from 'vscode-languageclient';
import { isPoeEditLabel } from './contract';

export interface PoeEdit {
  /** The document, as the server spelled its URI. */
  uri: string;
  /** The version the edits were computed against; null when the server sent none. */
  version: number | null;
  /** The edit first creates the (missing) file. */
  create: boolean;
  edits: TextEdit[];
  /** For an answer under review: the label of the change the user must confirm. */
  confirmation?: string;
}

/**
 * Return poe-lsp's edit in `params`, or undefined when it is anything else: another label,
 * several documents, renames or deletions, snippets.
 */
export function poeEdit(params: ApplyWorkspaceEditParams): PoeEdit | undefined {
  if (!isPoeEditLabel(params.label)) return undefined;
  const found = oneDocument(params.edit);
  if (found === undefined) return undefined;
  const confirmation = confirmationLabel(params.edit);
  return confirmation === undefined ? found : { ...found, confirmation };
}

function oneDocument(edit: WorkspaceEdit): PoeEdit | undefined {
  const { changes, documentChanges } = edit;
  if (documentChanges !== undefined) {
    let create: string | undefined;
    const texts: { uri: string; version: number | null; edits: TextEdit[] }[] = [];
    for (const change of documentChanges) {
      if ('kind' in change) {
        if (change.kind !== 'create' || create !== undefined || texts.length > 0) return undefined;
        create = change.uri;
      } else {
        const edits: TextEdit[] = [];
        for (const edit of change.edits) {
          if (!('newText' in edit)) return undefined;
          edits.push(edit);
        }
        texts.push({ uri: change.textDocument.uri, version: change.textDocument.version, edits });
      }
    }
    const [only] = texts;
    if (texts.length !== 1 || only === undefined || (create !== undefined && create !== only.uri)) return undefined;
    return { ...only, create: create !== undefined };
  }
  if (changes !== undefined) {
    const entries = Object.entries(changes);
    const [only] = entries;
    if (entries.length !== 1 || only === undefined) return undefined;
    return { uri: only[0], version: null, create: false, edits: only[1] };
  }
  return undefined;
}

/** The label of the first annotation that needs confirmation, if any. */
function confirmationLabel(edit: WorkspaceEdit): string | undefined {
  const annotation = Object.values(edit.changeAnnotations ?? {}).find((candidate) => candidate.needsConfirmation === true);
  return annotation?.label;
}
