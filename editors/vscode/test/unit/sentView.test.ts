import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeInline, fenced, inlineCode, sentMarkdown, sentResult } from '../../src/sentView';

/** The text between the fence lines of each fenced block, as a CommonMark reader sees it. */
function blocks(markdown: string): string[] {
  const found: string[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const open = /^(`{3,})/.exec(lines[i] ?? '');
    if (open === null) continue;
    const fence = open[1] ?? '';
    const end = lines.findIndex((line, j) => j > i && new RegExp(`^\`{${fence.length},}\\s*$`).test(line));
    assert.ok(end > i, `unclosed fence at line ${i}`);
    found.push(lines.slice(i + 1, end).join('\n'));
    i = end;
  }
  return found;
}

test('each message under its role, fenced; then the sources', () => {
  const markdown = sentMarkdown(
    { jobId: 'refactor-1', summary: 'Refactor with Code on m.py (done)' },
    { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'def add(a, b):\n    return a+b\n' }], sources: ['m.py', 'AGENTS.md'] },
  );
  assert.equal(
    markdown,
    [
      '# What Poe sent for refactor\\-1',
      '',
      'Refactor with Code on m\\.py \\(done\\)',
      '',
      '## System',
      '',
      '```text',
      'Be brief.',
      '```',
      '',
      '## User',
      '',
      '```text',
      'def add(a, b):',
      '    return a+b',
      '```',
      '',
      '## Sources',
      '',
      '- `m.py`',
      '- `AGENTS.md`',
      '',
    ].join('\n'),
  );
});

test('content with fences of its own stays inside its block', () => {
  const hostile = 'Here:\n```python\nx = 1\n```\n````\n`````not closed\n## User\nend';
  const markdown = sentMarkdown({ jobId: 'ask-2' }, { messages: [{ role: 'user', content: hostile }, { role: 'bot', content: 'ok' }], sources: [] });
  assert.deepEqual(blocks(markdown), [hostile, 'ok']);
  assert.ok(markdown.includes('``````text\n'), markdown);
  assert.match(markdown, /No workspace files were read/);
  assert.equal(fenced('a'), '```text\na\n```');
});

test('roles and sources cannot break out of their line', () => {
  const markdown = sentMarkdown({ jobId: 'x' }, { messages: [{ role: 'user\n# Injected', content: '' }], sources: ['a`b.py', '`c\nd'] });
  assert.ok(!markdown.includes('\n# Injected'), markdown);
  assert.equal(inlineCode('a`b.py'), '``a`b.py``');
  assert.equal(inlineCode('`c\nd'), '`` `c d ``');
  assert.equal(escapeInline('*x* <b>'), '\\*x\\* \\<b\\>');
});

test('a malformed answer keeps what is well formed', () => {
  assert.deepEqual(sentResult({ messages: [{ role: 'user', content: 'hi' }, 3, { content: 1 }], sources: ['a', 2] }), {
    messages: [{ role: 'user', content: 'hi' }, { role: '', content: '' }],
    sources: ['a'],
  });
  assert.deepEqual(sentResult(null), { messages: [], sources: [] });
});
