import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApplyWorkspaceEditParams, TextEdit } from 'vscode-languageclient';
import { poeEdit } from '../../src/poeEdits';

const URI = 'file:///w/m.py';
const edit: TextEdit = { range: { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } }, newText: 'x = 2\n' };

function versioned(label: string | undefined, version: number | null = 4): ApplyWorkspaceEditParams {
  return { ...(label === undefined ? {} : { label }), edit: { documentChanges: [{ textDocument: { uri: URI, version }, edits: [edit] }] } };
}

test("a Poe edit of one document is recognised, with its version", () => {
  assert.deepEqual(poeEdit(versioned('Poe: Refactor')), { uri: URI, version: 4, create: false, edits: [edit] });
  assert.deepEqual(poeEdit({ label: 'Poe: Ask', edit: { changes: { [URI]: [edit] } } }), {
    uri: URI,
    version: null,
    create: false,
    edits: [edit],
  });
});

test('edits with another label or none are left to VS Code', () => {
  assert.equal(poeEdit(versioned('Rename symbol')), undefined);
  assert.equal(poeEdit(versioned(undefined)), undefined);
});

test('a created test file, then its text', () => {
  const params: ApplyWorkspaceEditParams = {
    label: 'Poe: Write tests',
    edit: {
      documentChanges: [
        { kind: 'create', uri: URI, options: { ignoreIfExists: true } },
        { textDocument: { uri: URI, version: null }, edits: [edit] },
      ],
    },
  };
  assert.deepEqual(poeEdit(params), { uri: URI, version: null, create: true, edits: [edit] });
});

test('several documents, renames and snippets are left to VS Code', () => {
  const other = { textDocument: { uri: 'file:///w/n.py', version: 1 }, edits: [edit] };
  const two = versioned('Poe: Refactor');
  two.edit.documentChanges?.push(other);
  assert.equal(poeEdit(two), undefined);
  assert.equal(
    poeEdit({ label: 'Poe: Refactor', edit: { documentChanges: [{ kind: 'rename', oldUri: URI, newUri: 'file:///w/x.py' }] } }),
    undefined,
  );
  assert.equal(
    poeEdit({
      label: 'Poe: Refactor',
      edit: { documentChanges: [{ textDocument: { uri: URI, version: 1 }, edits: [{ range: edit.range, snippet: { kind: 'snippet', value: '$0' } }] }] },
    }),
    undefined,
  );
});

test('an answer under review carries the label to confirm', () => {
  const annotated = { ...edit, annotationId: 'poe' };
  const reviewed = poeEdit({
    label: 'Poe: Ask',
    edit: {
      documentChanges: [{ textDocument: { uri: URI, version: 3 }, edits: [annotated] }],
      changeAnnotations: { poe: { label: 'Poe: Ask (Asker)', needsConfirmation: true } },
    },
  });
  assert.deepEqual(reviewed, { uri: URI, version: 3, create: false, edits: [annotated], confirmation: 'Poe: Ask (Asker)' });
});
