// Debian's Chromium for browser tests, driven by playwright-core (no downloaded browser). Where it
// is missing the browser tests skip, and say so loudly: `.ci/run` installs it, so CI never skips.
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Why browser tests cannot run here, or undefined when they can. */
export const chromiumMissing = existsSync(CHROMIUM)
  ? undefined
  : `no Chromium at ${CHROMIUM}: browser tests SKIPPED (apt-get install -y chromium; .ci/run installs it)`;

if (chromiumMissing) process.stderr.write(`\n*** ${chromiumMissing} ***\n\n`);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Without the networking flags Chromium keeps calling hosts this machine cannot reach.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
