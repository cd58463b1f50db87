// The web console and the permissions explorer (SPEC §8) in Debian's Chromium: sign-in through
// the built-in issuer, a cropped upload seen in every size, delete, an admin changing another
// user's photo, a non-admin told why not, bulk import, and the explorer's search, toggle,
// exports, deep link, print view and "Try it". Every page is checked with axe-core, at 360 px
// wide, and under the strict Content-Security-Policy; screenshots go to test-results/.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { setPassword } from '../../src/services/users.js';
import { DIRECTORY_ROLES } from '../../src/auth/directory-roles.js';
import type { User } from '../../src/domain/directory.js';
import type { Tenant } from '../../src/domain/tenant.js';
import {
  chromiumMissing,
  expectAccessible,
  expectFitsNarrowScreen,
  launchChromium,
} from '../support/chromium.js';
import { Harness } from '../support/harness.js';
import { BLUE, halves, near, pixel, RED, solid } from '../support/images.js';

const PASSWORD = 'correct horse battery staple';
const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

describe('the web console and the permissions explorer in Chromium', { skip: chromiumMissing }, () => {
  let h: Harness;
  let tenant: Tenant;
  let admin: User;
  let plain: User;
  let lee: User;
  let browser: Browser;
  let adminContext: BrowserContext;
  let page: Page;
  const cspViolations: string[] = [];

  const token = async () => h.appToken(tenant, ['ProfilePhoto.ReadWrite.All', 'User.Read.All']);
  const photoOf = async (user: User, size = '648x648') =>
    h.request('GET', `/v1.0/users/${user.id}/photos/${size}/$value`, { token: await token() });

  async function newPage(context: BrowserContext): Promise<Page> {
    const opened = await context.newPage();
    opened.on('console', (message) => {
      if (/Content[- ]Security[- ]Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    return opened;
  }

  async function signIn(on: Page, user: User) {
    await on.goto(`${h.url}/`);
    await on.fill('#tenant', tenant.name);
    await on.click('button[type=submit]');
    await on.waitForURL(/\/oauth2\/v2\.0\/authorize/);
    await on.fill('#username', user.userPrincipalName);
    await on.fill('#password', PASSWORD);
    await on.click('button[type=submit]');
    await on.locator('#my-photo-title').waitFor();
  }

  const accessible = expectAccessible;
  const fitsNarrowScreen = (on: Page, what: string) =>
    expectFitsNarrowScreen(on, what, `${RESULTS}${what}-360.png`);

  before(async () => {
    h = await Harness.start();
    tenant = await h.tenant('fabrikam');
    admin = await h.user(tenant, 'admin', [DIRECTORY_ROLES.globalAdministrator.templateId]);
    plain = await h.user(tenant, 'plain');
    lee = await h.user(tenant, 'lee');
    for (const user of [admin, plain]) {
      await setPassword(h.store.directory, user, PASSWORD);
    }
    mkdirSync(RESULTS, { recursive: true });
    browser = await launchChromium();
    adminContext = await browser.newContext({
      ignoreHTTPSErrors: true,
      acceptDownloads: true,
      viewport: { width: 1100, height: 900 },
    });
    await adminContext.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: h.url });
    page = await newPage(adminContext);
  });

  after(async () => {
    await browser?.close();
    await h?.close();
  });

  it('serves the pages with a strict Content-Security-Policy', async () => {
    for (const path of ['/', '/directory', '/explorer', '/explorer/User.Read']) {
      const reply = await h.request('GET', path);
      assert.equal(reply.status, 200, path);
      assert.match(reply.headers['content-security-policy']!, /script-src 'self';/);
      assert.match(reply.headers['content-security-policy']!, /frame-ancestors 'none'/);
      assert.doesNotMatch(reply.body.toString(), /<script>|<script type="module">[^<]/, 'no inline script');
    }
  });

  it('signs in through the issuer, keeping the token in memory only', async () => {
    await page.goto(`${h.url}/`);
    await accessible(page, 'sign-in');
    await page.keyboard.press('Tab');
    assert.equal(
      await page.evaluate(() => (globalThis as any).document.activeElement.textContent),
      'Skip to content',
    );
    await signIn(page, admin);
    // No named functions in here: the test's compiler would wrap them in a helper the page lacks.
    const stored = await page.evaluate(() => {
      const g = globalThis as any;
      return {
        local: Object.fromEntries(Object.keys(g.localStorage).map((k) => [k, g.localStorage.getItem(k)])),
        session: Object.fromEntries(
          Object.keys(g.sessionStorage).map((k) => [k, g.sessionStorage.getItem(k)]),
        ),
        cookies: g.document.cookie,
      };
    });
    assert.deepEqual(stored, { local: { 'portrait.tenant': 'fabrikam' }, session: {}, cookies: '' });
    assert.match((await page.locator('header .who').textContent()) ?? '', /admin/);
  });

  it('uploads a photo cropped with the keyboard, then shows every size with its ETag', async () => {
    // Left half red, right half blue; zoomed to 2× the crop is 700 px, moved left it is all red.
    const picture = await (await halves(2600, 1400, RED, BLUE)).png().toBuffer();
    await page.setInputFiles('#file-me-me', { name: 'me.png', mimeType: 'image/png', buffer: picture });
    await page.locator('.zoom input').fill('2');
    const crop = page.locator('canvas.crop-preview');
    await crop.focus();
    for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowLeft');
    await page.screenshot({ path: `${RESULTS}console-crop.png`, fullPage: true });
    await page.getByRole('button', { name: 'Upload photo' }).click();
    await page.getByText('Photo uploaded.').waitFor();
    const captions = page.locator('.sizes figcaption .dimensions');
    await page.waitForFunction(
      () => (globalThis as any).document.querySelectorAll('.sizes img').length === 9,
    );
    assert.deepEqual(
      (await captions.allTextContents()).map((t) => t.replace(/\s/g, '')),
      ['48×48', '64×64', '96×96', '120×120', '240×240', '360×360', '432×432', '504×504', '648×648'],
    );
    const etags = new Set(await page.locator('.sizes .etag').allTextContents());
    assert.equal(etags.size, 1);
    const stored = await photoOf(admin);
    assert.equal(stored.headers['etag'], [...etags][0]);
    for (const [x, y] of [
      [10, 10],
      [324, 324],
      [637, 637],
    ] as const) {
      assert.ok(near(await pixel(stored.body, x, y), RED), `the crop is the red half at ${x},${y}`);
    }
    await accessible(page, 'my photo');
    await fitsNarrowScreen(page, 'console-my-photo');
    await page.screenshot({ path: `${RESULTS}console-my-photo.png`, fullPage: true });
  });

  it('deletes the photo only after the confirmation', async () => {
    await page.getByRole('button', { name: 'Delete photo' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await photoOf(admin)).status, 200);
    await page.getByRole('button', { name: 'Delete photo' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.getByText('Photo deleted.').waitFor();
    await page.getByText('There is no photo yet.').first().waitFor();
    assert.equal((await photoOf(admin)).status, 404);
  });

  it('lets an admin find another user in the directory and upload their photo', async () => {
    await page.click('a[href="/directory"]');
    await page.fill('#directory-search', 'lee');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('1 users matching').waitFor();
    await page.getByRole('button', { name: /Photo… lee/ }).click();
    const blue = await solid(700, 700, BLUE).png().toBuffer();
    await page.setInputFiles(`#file-user-${lee.id}`, {
      name: 'lee.png',
      mimeType: 'image/png',
      buffer: blue,
    });
    await page.getByRole('button', { name: 'Upload photo' }).click();
    await page.getByText('Photo uploaded.').waitFor();
    assert.ok(near(await pixel((await photoOf(lee)).body, 300, 300), BLUE));
    // The directory shows the new thumbnail.
    await page.locator(`img.thumb[alt="lee"]`).waitFor();
    await accessible(page, 'directory');
    await fitsNarrowScreen(page, 'console-directory');
    await page.screenshot({ path: `${RESULTS}console-directory.png`, fullPage: true });
  });

  it("tells a non-admin in words why they may not change someone else's photo", async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const other = await newPage(context);
    await signIn(other, plain);
    await other.click('a[href="/directory"]');
    await other.getByRole('button', { name: /Photo… lee/ }).click();
    const red = await solid(100, 100, RED).png().toBuffer();
    await other.setInputFiles(`#file-user-${lee.id}`, { name: 'x.png', mimeType: 'image/png', buffer: red });
    await other.getByRole('button', { name: 'Upload photo' }).click();
    const message = await other.getByRole('alert').textContent();
    assert.match(
      message ?? '',
      /not allowed.*Global Administrator, User Administrator, People Administrator/,
    );
    assert.ok(near(await pixel((await photoOf(lee)).body, 300, 300), BLUE), 'the photo is unchanged');
    await context.close();
  });

  it('imports dropped files named by UPN, with a result for each', async () => {
    await page.click('a[href="/import"]');
    const png = async (rgb: [number, number, number]) => solid(80, 80, rgb).png().toBuffer();
    await page.setInputFiles('#import-files', [
      { name: `${plain.userPrincipalName}.png`, mimeType: 'image/png', buffer: await png(RED) },
      { name: `${lee.userPrincipalName}.png`, mimeType: 'image/png', buffer: await png(RED) },
      { name: 'nobody@fabrikam.example.png', mimeType: 'image/png', buffer: await png(RED) },
    ]);
    await page.getByRole('button', { name: 'Import 3 photos' }).click();
    await page.getByText('2 imported, 1 failed.').waitFor();
    const rows = await page.locator('table.results tbody tr').allTextContents();
    assert.equal(rows.length, 3);
    assert.match(rows.find((r) => r.startsWith('nobody'))!, /no such user/);
    assert.ok(near(await pixel((await photoOf(plain, '64x64')).body, 32, 32), RED));
    await accessible(page, 'import');
    await fitsNarrowScreen(page, 'console-import');
  });

  it('searches the explorer with / and clears it with Escape', async () => {
    await page.click('a[href="/explorer"]');
    await page.locator('.permissions li').first().waitFor();
    const all = await page.locator('.permissions li').count();
    await page.locator('h1').click();
    await page.keyboard.press('/');
    assert.equal(
      await page.evaluate(() => (globalThis as any).document.activeElement.id),
      'permission-search',
    );
    await page.keyboard.type('photo');
    assert.deepEqual(await page.locator('.permissions li').allTextContents(), [
      'ProfilePhoto.Read.All',
      'ProfilePhoto.ReadWrite.All',
    ]);
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('.permissions li').count(), all);
    await accessible(page, 'explorer list');
    await fitsNarrowScreen(page, 'explorer-list');
  });

  it('toggles a permission between delegated and app-only, and exports what the API serves', async () => {
    await page.getByRole('link', { name: 'ProfilePhoto.Read.All', exact: true }).click();
    await page.locator('#permission-title').waitFor();
    const data = (await h.request('GET', '/explorer/api/permissions/ProfilePhoto.Read.All')).json();
    const shown = () => page.locator('.methods').first().locator('code.method').allTextContents();
    assert.deepEqual(await shown(), data.methods['v1.0'].delegated);
    await page.getByRole('radio', { name: 'App-only access' }).check();
    await page.waitForURL(/type=application/);
    assert.deepEqual(await shown(), data.methods['v1.0'].application);

    const json = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export JSON' }).click();
    const exported = JSON.parse(readFileSync((await (await json).path())!, 'utf8'));
    assert.deepEqual(exported, data);

    const csv = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const lines = readFileSync((await (await csv).path())!, 'utf8')
      .trim()
      .split(/\r\n/);
    assert.equal(lines[0], 'version,column,method');
    const expected = (['v1.0', 'beta'] as const).flatMap((version) =>
      (['delegated', 'application'] as const).flatMap((column) =>
        data.methods[version][column].map((m: string) => `${version},${column},${m}`),
      ),
    );
    assert.deepEqual(lines.slice(1), expected);
    await accessible(page, 'explorer permission');
    await fitsNarrowScreen(page, 'explorer-permission');
    await page.screenshot({ path: `${RESULTS}explorer-permission.png`, fullPage: true });
  });

  it('copies a deep link that reopens the same permission and toggle', async () => {
    await page.getByRole('button', { name: 'Copy URL' }).click();
    await page.getByText(/^Copied /).waitFor();
    const link = await page.evaluate(() => (globalThis as any).navigator.clipboard.readText());
    assert.equal(link, `${h.url}/explorer/ProfilePhoto.Read.All?type=application`);
    const fresh = await newPage(adminContext);
    await fresh.goto(link);
    await fresh.locator('#permission-title').waitFor();
    assert.equal(await fresh.getByRole('radio', { name: 'App-only access' }).isChecked(), true);
    await fresh.close();
  });

  it('prints the permission without the page chrome', async () => {
    await page.emulateMedia({ media: 'print' });
    for (const selector of ['.masthead', '.toolbar', '.toggle']) {
      assert.equal(
        await page.locator(selector).evaluate((e) => (globalThis as any).getComputedStyle(e).display),
        'none',
        selector,
      );
    }
    assert.equal(await page.locator('#permission-title').isVisible(), true);
    await page.emulateMedia({ media: 'screen' });
  });

  it('tries a GET against the live API with the signed-in token and shows the photo', async () => {
    await page.goto(`${h.url}/explorer/User.Read`);
    // A reload loses the in-memory token: "Try it" offers to sign in, and comes back here.
    const method = page
      .locator('.methods li', {
        hasText: /^GET \/users\/\{id \| userPrincipalName\}\/photos\/\{size\}\/\$value/,
      })
      .first();
    await method.getByRole('button', { name: /Try it/ }).click();
    await method.getByRole('button', { name: 'Sign in' }).click();
    await page.fill('#username', admin.userPrincipalName);
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/explorer\/User\.Read/);
    await method.getByRole('button', { name: /Try it/ }).click();
    await method.getByLabel('{size}').fill('240x240');
    await method.getByRole('button', { name: 'Run GET' }).click();
    await method.getByText('Status 404').or(method.getByText('Status 200')).waitFor();
    // The admin's photo was deleted above: the API's own 404 is shown as it came.
    assert.match((await method.locator('pre').textContent()) ?? '', /ImageNotFound/);
    await h.request('PUT', `/v1.0/users/${admin.id}/photo/$value`, {
      token: await token(),
      headers: { 'content-type': 'image/png' },
      body: await solid(300, 300, BLUE).png().toBuffer(),
    });
    await method.getByRole('button', { name: 'Run GET' }).click();
    await method.getByText('Status 200').waitFor();
    const image = method.locator('img.tried');
    await image.waitFor();
    assert.equal(await image.evaluate((img) => (img as any).naturalWidth), 240);
    assert.match((await method.locator('.headers').textContent()) ?? '', /etag/i);
    await page.screenshot({ path: `${RESULTS}explorer-try-it.png`, fullPage: true });
  });

  it('broke no Content-Security-Policy rule on any page', () => {
    assert.deepEqual(cspViolations, []);
  });
});
