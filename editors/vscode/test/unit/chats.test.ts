import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChatDocuments, chatBot, chatDirectory, isChatFile, isSet } from '../../src/chats';

test('the chat folder is found as poe-lsp finds it', () => {
  assert.equal(chatDirectory({ POE_CHAT_DIRECTORY: '/tmp/chats', XDG_STATE_HOME: '/s' }, '/home/u'), '/tmp/chats');
  assert.equal(chatDirectory({ POE_CHAT_DIRECTORY: '~/chats' }, '/home/u'), '/home/u/chats');
  assert.equal(chatDirectory({ POE_CHAT_DIRECTORY: '', XDG_STATE_HOME: '/s' }, '/home/u'), '/s/poe-lsp/chats');
  assert.equal(chatDirectory({}, '/home/u'), '/home/u/.local/state/poe-lsp/chats');
});

test('a chat is a Markdown file right inside the chat folder', () => {
  assert.ok(isChatFile('/tmp/chats/chat-1.md', '/tmp/chats'));
  assert.ok(isChatFile('/tmp/chats/chat-1.md', '/tmp/chats/'));
  assert.ok(!isChatFile('/tmp/chats/notes.txt', '/tmp/chats'));
  assert.ok(!isChatFile('/tmp/chats/old/chat-1.md', '/tmp/chats'));
  assert.ok(!isChatFile('/work/ws/README.md', '/tmp/chats'));
});

test('chats made this session, and any Markdown poe.chat shows while it runs', async () => {
  const chats = new ChatDocuments(['/tmp/chats', '/real/chats']);
  assert.ok(chats.isChat('/real/chats/chat-2.md'));
  assert.ok(!chats.isChat('/elsewhere/chat.md'));
  chats.add('/elsewhere/chat.md', 'Asker');
  assert.ok(chats.isChat('/elsewhere/chat.md'));
  assert.equal(chats.botOf('/elsewhere/chat.md'), 'Asker');
  assert.equal(chats.botOf('/tmp/chats/old.md'), undefined);
  let during = false;
  const answer = await chats.making(() => {
    during = chats.isChat('/other/new.md') && !chats.isChat('/other/new.py');
    return Promise.resolve(7);
  });
  assert.equal(answer, 7);
  assert.ok(during);
  assert.ok(!chats.isChat('/other/new.md'));
  assert.deepEqual(chats.contextValues(), { folders: ['/tmp/chats', '/real/chats'], files: ['/elsewhere/chat.md'] });
});

test('Open Chat names a bot only when the user settings name one', () => {
  assert.equal(chatBot({ ask: false, bot: false }, 'Claude-Sonnet-4.5'), undefined);
  assert.equal(chatBot({ ask: true, bot: false }, 'Asker'), 'Asker');
  assert.equal(chatBot({ ask: false, bot: true }, 'Code'), 'Code');
  assert.ok(isSet({ globalValue: 'Code' }));
  assert.ok(!isSet({ globalValue: '' }));
  assert.ok(!isSet(undefined));
  assert.ok(isSet({ workspaceValue: { ask: 'Asker' } }, 'ask'));
  assert.ok(!isSet({ globalValue: { explain: 'Explainer' } }, 'ask'));
});
