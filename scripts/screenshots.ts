// npm run screenshots: the README's pictures of the console and the explorer (docs/*.png), taken
// in Debian's Chromium from a server on a fresh data directory with the demo tenant.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { setPassword } from '../src/services/users.js';
import { startServer } from '../src/server.js';
import { launchChromium } from '../test/support/chromium.js';
import { testConfig } from '../test/support/harness.js';

const PASSWORD = 'a password for the screenshots';
const dataDir = mkdtempSync(join(tmpdir(), 'portrait-screenshots-'));
const server = await startServer(testConfig(dataDir, { demo: true }), pino({ level: 'silent' }));
const browser = await launchChromium();
try {
  const tenant = (await server.store.directory.findTenant('contoso'))!;
  const megan = (await server.store.directory.findUser(tenant.id, 'megan@contoso.onmicrosoft.com'))!;
  await setPassword(server.store.directory, megan, PASSWORD);
  const page = await (
    await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1100, height: 820 } })
  ).newPage();
  await page.goto(`${server.url}/`);
  await page.fill('#tenant', 'contoso');
  await page.click('button[type=submit]');
  await page.fill('#username', megan.userPrincipalName);
  await page.fill('#password', PASSWORD);
  await page.click('button[type=submit]');
  await page.locator('.sizes img').first().waitFor();
  await page.waitForLoadState('networkidle');
  await page.screenshot({ path: 'docs/console.png' });
  await page.click('a[href="/directory"]');
  await page.locator('img.thumb').first().waitFor();
  await page.waitForLoadState('networkidle');
  await page.screenshot({ path: 'docs/console-directory.png' });
  await page.goto(`${server.url}/explorer/ProfilePhoto.ReadWrite.All?type=application`);
  await page.locator('#permission-title').waitFor();
  await page.screenshot({ path: 'docs/explorer.png' });
  process.stdout.write('wrote docs/console.png, docs/console-directory.png, docs/explorer.png\n');
} finally {
  await browser.close();
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
}
