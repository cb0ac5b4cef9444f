import assert from 'node:assert/strict';
import { test } from 'node:test';
import { actionItems, listedActions } from '../../src/actionItems';

test('custom actions and prompt files as quick pick items', () => {
  const listed = listedActions({
    actions: [
      { id: 'docstrings', title: 'Poe: Add docstrings', output: 'replace' },
      { id: 'prompt:review', title: 'Review', output: 'explain' },
      { id: 3 },
    ],
  });
  assert.deepEqual(actionItems(listed), [
    { label: 'Add docstrings', description: 'docstrings', detail: 'Replaces the selection with the answer, like Refactor', id: 'docstrings' },
    { label: 'Review', description: 'prompt:review', detail: 'Explains the selection, like Explain', id: 'prompt:review' },
  ]);
  assert.deepEqual(listedActions({}), []);
});
