// Debian's Chromium through playwright-core (which downloads no browser of its own).
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Launch a headless Chromium fit for a container: no sandbox, GPU, updates or network chatter. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Print a line with the milliseconds since `start`. */
export function logger(start = Date.now()) {
  return (message) => console.log(`${String(Date.now() - start).padStart(6)}ms ${message}`);
}
