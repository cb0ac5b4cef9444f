// Run the extension's integration tests (out/test/integration/suite.js) inside code-server's
// extension host: the workbench loads the extension from its source folder through the
// `payload` URL parameter, like @vscode/test-electron's extensionDevelopmentPath.
//
// usage: node test/harness/run-ext-tests.mjs CONFIG.json
//   CONFIG: {"base": "http://127.0.0.1:PORT", "workspace": DIR, "extension": DIR,
//            "tests": FILE.js, "resultFile": FILE, "timeoutMs": N, "screenshot": FILE.png}
// Exits 0 when the suite passed, 1 when it failed, 2 when it never reported.
import fs from 'node:fs';
import { launchBrowser, logger } from './browser.mjs';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const log = logger();
const host = new URL(config.base).host;
const payload = [
  ['extensionDevelopmentPath', `vscode-remote://${host}${config.extension}`],
  ['extensionTestsPath', `vscode-remote://${host}${config.tests}`],
];
const url = `${config.base}/?folder=${encodeURIComponent(config.workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;

const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
page.on('console', (message) => {
  if (message.type() === 'error') log(`[browser] ${message.text().slice(0, 300)}`);
});
await page.goto(url);
log('workbench requested');
const deadline = Date.now() + (config.timeoutMs ?? 180_000);
while (!fs.existsSync(config.resultFile) && Date.now() < deadline) await page.waitForTimeout(250);
if (config.screenshot) await page.screenshot({ path: config.screenshot });
await browser.close();

if (fs.existsSync(`${config.resultFile}.progress`)) process.stdout.write(fs.readFileSync(`${config.resultFile}.progress`, 'utf8'));
if (!fs.existsSync(config.resultFile)) {
  log('FAIL: the suite never reported (see the progress above)');
  process.exit(2);
}
const result = JSON.parse(fs.readFileSync(config.resultFile, 'utf8'));
for (const step of result.steps) log(`${step.error ? 'FAIL' : 'ok  '} ${step.name} (${step.ms} ms)${step.error ? `\n${step.error}` : ''}`);
log(`VS Code ${result.vscode}: ${result.passed ? 'passed' : 'FAILED'}`);
process.exit(result.passed ? 0 : 1);
