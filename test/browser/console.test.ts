// The web console (SPEC §8) in Debian's Chromium: sign-in through the built-in issuer (naming
// the demo organization), a cropped upload with the sizes it gives said first and then seen in
// every size, delete, an admin changing another user's photo in a directory in name order, a
// non-admin offered only what they may do and told why, the demo tenant's photos, and bulk
// import; the permissions explorer has explorer.test.ts. Every page is checked with axe-core
// (controls hovered and focused too), at 360 px wide, and under the strict
// Content-Security-Policy; screenshots go to test-results/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { updateTenantSettings } from '../../src/services/tenants.js';
import { setPassword } from '../../src/services/users.js';
import { DIRECTORY_ROLES } from '../../src/auth/directory-roles.js';
import type { Group, User } from '../../src/domain/directory.js';
import { DEMO_TENANT_NAME, type Tenant } from '../../src/domain/tenant.js';
import {
  chromiumMissing,
  expectAccessible,
  expectContrastWhile,
  expectFitsNarrowScreen,
  launchChromium,
} from '../support/chromium.js';
import { Harness } from '../support/harness.js';
import { BLUE, halves, near, pixel, RED, solid } from '../support/images.js';

const PASSWORD = 'correct horse battery staple';
const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

describe('the web console in Chromium', { skip: chromiumMissing }, () => {
  let h: Harness;
  let tenant: Tenant;
  let admin: User;
  let plain: User;
  let lee: User;
  let plainsGroup: Group;
  let adminsTeam: Group;
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

  async function signIn(on: Page, user: User, organization = tenant.name) {
    await on.goto(`${h.url}/`);
    await on.fill('#tenant', organization);
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
    h = await Harness.start({ demo: true });
    tenant = await h.tenant('fabrikam');
    admin = await h.user(tenant, 'admin', [DIRECTORY_ROLES.globalAdministrator.templateId]);
    plain = await h.user(tenant, 'plain');
    lee = await h.user(tenant, 'lee');
    plainsGroup = await h.group(tenant, { owners: [plain] });
    adminsTeam = await h.group(tenant, { team: true, owners: [admin] });
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
    // This server has the demo tenant: the page names it, and the field points to the hint.
    const hint = page.getByText(`This server has the demo organization ${DEMO_TENANT_NAME}.`);
    await hint.waitFor();
    assert.equal(
      await page.locator('#tenant').getAttribute('aria-describedby'),
      await hint.getAttribute('id'),
    );
    await accessible(page, 'sign-in');
    await fitsNarrowScreen(page, 'console-sign-in');
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
    // Before uploading, the page says which sizes the crop gives, from the server's own size list.
    const hint = page.locator('.crop-sizes');
    await page.locator('.zoom input').fill('3.3');
    assert.match(
      (await hint.textContent()) ?? '',
      /crop is 424 × 424 pixels.*gives the sizes 48 to 360 but not 432, 504 or 648, .*zoom out for them\./,
    );
    await hint.screenshot({ path: `${RESULTS}console-crop-hint.png` });
    await page.locator('.zoom input').fill('2');
    assert.match(
      (await hint.textContent()) ?? '',
      /crop is 700 × 700 pixels.*gives every size, 48 to 648 pixels\./,
    );
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
    // Each size drawn to one scale (half, with room), so each is as much larger as it is.
    const widths = async () =>
      page.locator('.sizes img').evaluateAll((images) => images.map((i) => i.getBoundingClientRect().width));
    assert.deepEqual(await widths(), [24, 32, 48, 60, 120, 180, 216, 252, 324]);
    const etags = new Set(await page.locator('.etag').allTextContents());
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
    // At 360 px wide, a third of their size, in rows that wrap: not a column of nine.
    await page.setViewportSize({ width: 360, height: 740 });
    await page.waitForFunction(
      () => (globalThis as any).document.querySelector('.sizes img').getBoundingClientRect().width === 16,
    );
    assert.deepEqual(await widths(), [16, 21, 32, 40, 80, 120, 144, 168, 216]);
    const grid = (await page.locator('.sizes').boundingBox())!;
    assert.ok(grid.height < 1000, `the sizes take ${grid.height} px at 360 px wide`);
    const rows = await page
      .locator('.sizes li')
      .evaluateAll((items) => new Set(items.map((i) => Math.round(i.getBoundingClientRect().bottom))).size);
    assert.ok(rows <= 6, `the nine sizes take ${rows} rows`);
    await page.locator('.sizes').screenshot({ path: `${RESULTS}console-sizes-360.png` });
    await page.setViewportSize({ width: 1100, height: 900 });
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
    // In name order, whatever order they were made in.
    await page.locator('.directory .name').first().waitFor();
    const names = await page
      .locator('.directory .name')
      .evaluateAll((spans) => spans.map((span) => span.firstChild!.textContent));
    assert.deepEqual(names, ['admin', 'lee', 'plain']);
    await page.fill('#directory-search', 'lee');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('1 user matching “lee”').waitFor();
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

  it('keeps every control readable hovered and focused, the pressed tab too', async () => {
    await page.fill('#directory-search', '');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('button', { name: 'Groups and teams' }).click();
    await page.getByText('2 groups').waitFor();
    const controls = [
      page.getByRole('button', { name: 'Groups and teams' }),
      page.getByRole('button', { name: 'Users' }),
      page.getByRole('button', { name: 'Search' }),
      page.getByRole('button', { name: /Photo… A group/ }),
      page.getByRole('link', { name: 'Directory' }),
      page.getByRole('button', { name: 'Sign out' }),
    ];
    for (const control of controls) {
      const what = (await control.textContent())!.trim();
      await expectContrastWhile(page, control, 'hover', what);
      await expectContrastWhile(page, control, 'focus', what);
    }
    await page.getByRole('button', { name: 'Groups and teams' }).hover();
    await page.locator('fieldset.tabs').screenshot({ path: `${RESULTS}console-tab-hover.png` });
    await page.mouse.move(0, 0);
    await page.getByRole('button', { name: 'Users' }).click();
  });

  it('offers a non-admin only what they may change, and says who may change the rest', async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const other = await newPage(context);
    await signIn(other, plain);
    await other.click('a[href="/directory"]');
    await other.getByRole('button', { name: /Photo… lee/ }).click();
    const lees = other.locator('.directory > li', { hasText: 'lee@' });
    await lees.locator('.notice').waitFor();
    assert.deepEqual(await lees.locator('.notice').allTextContents(), [
      "Only people with one of these directory roles may change or delete someone else's photo: " +
        'Global Administrator, User Administrator, People Administrator.',
    ]);
    // Lee's photo is shown, but there is nothing to upload or delete it with.
    await lees.locator('.sizes img').first().waitFor();
    assert.equal(await lees.getByRole('button', { name: 'Delete photo' }).count(), 0);
    assert.equal(await lees.locator('input[type=file]').count(), 0);
    await lees.screenshot({ path: `${RESULTS}console-non-admin-row.png` });
    // Their own row is theirs to change.
    await other.getByRole('button', { name: /Photo… plain/ }).click();
    await other.locator(`#file-user-${plain.id}`).waitFor({ state: 'attached' });

    // A group they own, yes; a team they do not, no, and why.
    await other.getByRole('button', { name: 'Groups and teams' }).click();
    await other.getByRole('button', { name: /Photo… A group/ }).click();
    await other.locator(`#file-group-${plainsGroup.id}`).waitFor({ state: 'attached' });
    await other.getByRole('button', { name: /Photo… A team/ }).click();
    const team = other.locator('.directory > li', { hasText: 'A team' });
    await team.locator('.notice').waitFor();
    assert.deepEqual(await team.locator('.notice').allTextContents(), [
      "Only the team's owners and people with one of these directory roles may change its photo: " +
        'Global Administrator, Teams Administrator.',
    ]);
    assert.equal(await other.locator(`#file-team-${adminsTeam.id}`).count(), 0);
    await accessible(other, 'directory, not an admin');

    // The server stays the authority: with a photo update policy the console cannot read, the
    // upload it offers is refused, and the refusal is shown in words.
    await updateTenantSettings(h.store.directory, tenant, {
      photoUpdateSettings: {
        source: 'cloud',
        allowedRoles: [DIRECTORY_ROLES.globalAdministrator.templateId],
      },
    });
    try {
      await other.click('a[href="/"]');
      const red = await solid(100, 100, RED).png().toBuffer();
      await other.setInputFiles('#file-me-me', { name: 'x.png', mimeType: 'image/png', buffer: red });
      await other.getByRole('button', { name: 'Upload photo' }).click();
      assert.match((await other.getByRole('alert').textContent()) ?? '', /not allowed.*Global Administrator/);
    } finally {
      await updateTenantSettings(h.store.directory, tenant, {
        photoUpdateSettings: { source: 'cloud', allowedRoles: [] },
      });
    }
    assert.ok(near(await pixel((await photoOf(lee)).body, 300, 300), BLUE), 'the photo is unchanged');
    await context.close();
  });

  it("shows the demo tenant's people in name order, as pictures, and marks who has none", async () => {
    const demo = (await h.store.directory.findTenant(DEMO_TENANT_NAME))!;
    const megan = (await h.store.directory.findUser(demo.id, 'megan@contoso.onmicrosoft.com'))!;
    await setPassword(h.store.directory, megan, PASSWORD);
    const context = await browser.newContext({
      ignoreHTTPSErrors: true,
      viewport: { width: 1100, height: 900 },
    });
    const other = await newPage(context);
    await signIn(other, megan, DEMO_TENANT_NAME);
    await other.click('a[href="/directory"]');
    await other.locator('img.thumb').first().waitFor();
    await other.getByText('No photo').first().waitFor();
    const rows = await other.locator('.directory > li').evaluateAll((items) =>
      items.map((item) => ({
        name: item.querySelector('.name')!.firstChild!.textContent,
        photo: item.querySelector('img.thumb') !== null,
        noPhoto: /No photo/.test(item.textContent ?? ''),
      })),
    );
    assert.deepEqual(rows, [
      { name: 'Adele Vance', photo: true, noPhoto: false },
      { name: 'Alex Wilber', photo: false, noPhoto: true },
      { name: 'Diego Siciliani', photo: true, noPhoto: false },
      { name: 'Lidia Holloway', photo: false, noPhoto: true },
      { name: 'Megan Bowen', photo: true, noPhoto: false },
    ]);
    // A picture, not a letter on a flat colour: no colour (8 levels a channel) covers more than a
    // third of a thumbnail, where an initials avatar's background covers most of it; and each
    // person has their own.
    const thumbnails = await other.locator('img.thumb').evaluateAll((images) =>
      images.map((image) => {
        const canvas = (globalThis as any).document.createElement('canvas');
        canvas.width = 48;
        canvas.height = 48;
        const context2d = canvas.getContext('2d');
        context2d.drawImage(image, 0, 0, 48, 48);
        const data: Uint8ClampedArray = context2d.getImageData(0, 0, 48, 48).data;
        const counts = new Map<number, number>();
        for (let i = 0; i < data.length; i += 4) {
          const colour = ((data[i]! >> 5) << 6) | ((data[i + 1]! >> 5) << 3) | (data[i + 2]! >> 5);
          counts.set(colour, (counts.get(colour) ?? 0) + 1);
        }
        return { flat: Math.max(...counts.values()) / (48 * 48), src: (image as any).src as string };
      }),
    );
    assert.equal(thumbnails.length, 3);
    for (const { flat } of thumbnails)
      assert.ok(flat < 0.34, `${Math.round(flat * 100)}% of a thumbnail is one colour`);
    assert.equal(new Set(thumbnails.map((t) => t.src)).size, 3, 'each person has their own picture');
    await accessible(other, 'demo directory');
    // At 360 px wide an address wraps after its @ or before a dot, never inside a word.
    await other.setViewportSize({ width: 360, height: 740 });
    const address = other.locator('.detail', { hasText: 'megan@contoso.onmicrosoft.com' });
    assert.equal(await address.getAttribute('title'), 'megan@contoso.onmicrosoft.com');
    const lines = await address.evaluate((element) => {
      const document = (globalThis as any).document;
      const found: { text: string; top: number }[] = [];
      for (const node of element.childNodes) {
        if (node.nodeType !== 3) continue;
        for (let i = 0; i < node.textContent.length; i++) {
          const range = document.createRange();
          range.setStart(node, i);
          range.setEnd(node, i + 1);
          const top = Math.round(range.getBoundingClientRect().top);
          const last = found.at(-1);
          if (last && Math.abs(last.top - top) < 4) last.text += node.textContent[i];
          else found.push({ text: node.textContent[i], top });
        }
      }
      return found.map((line) => line.text);
    });
    assert.ok(lines.length > 1, `the address is on one line at 360 px: ${lines.join(' | ')}`);
    assert.equal(lines.join(''), 'megan@contoso.onmicrosoft.com');
    lines.slice(1).forEach((line, i) => {
      assert.ok(
        lines[i]!.endsWith('@') || line.startsWith('.'),
        `a line breaks in a word: ${lines.join(' | ')}`,
      );
    });
    await fitsNarrowScreen(other, 'console-demo-directory');
    await other.screenshot({ path: `${RESULTS}console-demo-directory-360.png`, fullPage: true });
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

  it('broke no Content-Security-Policy rule on any page', () => {
    assert.deepEqual(cspViolations, []);
  });
});
