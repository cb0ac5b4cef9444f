// The UI smoke test: a person's path through VS Code (code-server) in Chromium. Open a file,
// set the API key and run "Poe: Refactor Selection" from the command palette, watch the status
// bar name the bot while the answer streams in, save; then "Poe: Explain Selection" and read
// the explanation in the hover; run a custom action from the editor's context menu (Poe, then
// Run Action…) and save; open a chat from the selection ("Poe: Open Chat"), type a question,
// send it with Ctrl+Enter and read the answer in it; last "Poe: Choose Bot…" for one action, from Poe's catalogue (pytest
// then reads the user settings and the file). Screenshots go where the config says.
//
// usage: node test/ui/smoke.mjs CONFIG.json
//   CONFIG: {"url": WORKBENCH_URL, "file": NAME, "apiKey": KEY, "bot": NAME,
//            "refactoredLine": TEXT, "explanation": TEXT, "action": TITLE, "actionLine": TEXT,
//            "chatQuestion": TEXT, "chatBot": NAME, "chooseFor": ACTION TITLE,
//            "chosenBot": NAME, "chosenBotFacts": TEXT, "screenshots": DIR}
import fs from 'node:fs';
import path from 'node:path';
import { launchBrowser, logger } from '../harness/browser.mjs';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const log = logger();
fs.mkdirSync(config.screenshots, { recursive: true });
const shot = (name) => path.join(config.screenshots, name);

const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
let failed = true;

async function palette(command) {
  await page.keyboard.press('F1');
  await page.locator('.quick-input-widget input').waitFor({ state: 'visible' });
  await page.keyboard.type(command);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: command }).first().waitFor();
  await page.keyboard.press('Enter');
}

try {
  await page.goto(config.url);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page.locator('.explorer-folders-view, .monaco-list').first().waitFor({ timeout: 30_000 });
  log('workbench loaded');

  await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } }).catch(() => {});
  await page.keyboard.press('Control+p');
  await page.locator('.quick-input-widget input').waitFor({ state: 'visible' });
  await page.keyboard.type(config.file);
  await page.locator('.quick-input-list .monaco-list-row').first().waitFor();
  await page.keyboard.press('Enter');
  const editor = page.locator('.editor-instance .view-lines');
  await editor.waitFor();
  log(`${config.file} open`);

  const status = page.locator('.statusbar-item', { hasText: 'Poe' }).first();
  await status.waitFor({ timeout: 60_000 });
  await palette('Poe: Set API Key');
  const keyBox = page.locator('.quick-input-widget input[type="password"]');
  await keyBox.waitFor({ state: 'visible' });
  await page.keyboard.type(config.apiKey);
  await page.keyboard.press('Enter');
  await keyBox.waitFor({ state: 'hidden' });
  log('API key entered');

  await editor.click();
  await page.keyboard.press('Control+a');
  await palette('Poe: Refactor Selection');
  await page.locator('.statusbar-item', { hasText: `Poe: ${config.bot}` }).waitFor({ timeout: 30_000 });
  log(`status bar: Poe: ${config.bot} (streaming)`);
  await editor.filter({ hasText: config.refactoredLine }).waitFor({ timeout: 30_000 });
  await page.locator('.statusbar-item', { hasText: `Poe: ${config.bot}` }).waitFor({ state: 'detached', timeout: 30_000 });
  log('refactor streamed into the editor; status bar idle again');
  await page.keyboard.press('Control+s');
  await page.screenshot({ path: shot('vscode-refactor.png') });

  await editor.click();
  await page.keyboard.press('Control+a');
  await palette('Poe: Explain Selection');
  await page.locator('.monaco-hover', { hasText: config.explanation }).first().waitFor({ timeout: 30_000 });
  log('the explanation shows as a hover');
  await page.waitForTimeout(500); // only so that the screenshot catches the hover faded in
  await page.screenshot({ path: shot('vscode-explain.png') });

  await page.keyboard.press('Escape');
  await editor.click();
  await page.keyboard.press('Control+a');
  await editor.locator('.view-line').first().click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Poe', exact: true }).hover();
  await page.getByRole('menuitem', { name: 'Run Action…' }).hover();
  await page.keyboard.press('Enter'); // a click on a submenu item is swallowed; hover focuses it
  await page.locator('.quick-input-title', { hasText: 'Poe: Run Action' }).waitFor({ timeout: 30_000 });
  await page.keyboard.type(config.action);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: config.action }).first().waitFor();
  await page.keyboard.press('Enter');
  await editor.filter({ hasText: config.actionLine }).waitFor({ timeout: 30_000 });
  log(`the context menu's Run Action… ran ${config.action}`);
  await page.keyboard.press('Control+s');

  await editor.first().click();
  await page.keyboard.press('Control+a');
  await palette('Poe: Open Chat');
  const chatTab = page.locator('.tab.active', { hasText: /chat-\d{8}-\d{6}(-\d+)?\.md/ });
  await chatTab.waitFor({ timeout: 30_000 });
  const chat = page.locator('.editor-group-container.active .view-lines');
  await chat.filter({ hasText: `Context: \`${config.file}:1-` }).waitFor({ timeout: 30_000 });
  await page.locator('.editor-group-container.active .editor-actions .codicon-send').waitFor({ timeout: 30_000 });
  log('Open Chat opened the chat beside the code, with the selection and a Send button');
  await page.keyboard.type(config.chatQuestion);
  await page.keyboard.press('Control+Enter');
  await chat.filter({ hasText: `## ${config.chatBot}` }).waitFor({ timeout: 30_000 });
  // The answer ends with a fresh ## You (the context, already there, holds the code too).
  await chat.locator('.view-line', { hasText: /^##\s+You\s*$/ }).nth(1).waitFor({ timeout: 30_000 });
  log(`Ctrl+Enter sent the chat; ${config.chatBot} answered in it`);
  await page.screenshot({ path: shot('vscode-chat.png') });
  await page.keyboard.press('Control+s');
  await page.keyboard.press('Control+1');

  await palette('Poe: Choose Bot');
  const title = page.locator('.quick-input-title');
  await title.filter({ hasText: 'Choose Bot (1/2)' }).waitFor({ timeout: 30_000 });
  await page.keyboard.type(config.chooseFor);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: config.chooseFor }).first().waitFor();
  await page.keyboard.press('Enter');
  await title.filter({ hasText: `Choose Bot for ${config.chooseFor} (2/2)` }).waitFor({ timeout: 30_000 });
  await page.keyboard.type(config.chosenBot);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: config.chosenBot }).first();
  await row.filter({ hasText: config.chosenBotFacts }).waitFor();
  log(`the catalogue offers ${config.chosenBot}: ${config.chosenBotFacts}`);
  await page.screenshot({ path: shot('vscode-choose-bot.png') });
  await page.keyboard.press('Enter');
  await page.locator('.notifications-toasts', { hasText: `${config.chooseFor} now uses ${config.chosenBot}` }).waitFor({ timeout: 30_000 });
  log(`${config.chooseFor} now uses ${config.chosenBot}`);
  failed = false;
} catch (error) {
  log(`FAIL: ${error.message}`);
  await page.screenshot({ path: shot('vscode-failure.png') }).catch(() => {});
} finally {
  await browser.close();
}
log(failed ? 'FAILED' : 'OK');
process.exit(failed ? 1 : 0);
