// The permissions explorer (SPEC §8, seed 000) in Debian's Chromium, as a person meets it: the
// list searched by name, description and method, with each permission's description; the page's
// toggle, exports, deep link and print view; the title breaking at dots at 360 px; "Sign in to
// try" when signed out; "Try it" offering the person's groups, teams, contact folders and
// contacts by name; and app-only methods tried with an app's token from its client id and
// secret, never with the person's. Every page is checked with axe-core, at 360 px wide, and
// under the strict Content-Security-Policy; screenshots go to test-results/.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { DIRECTORY_ROLES } from '../../src/auth/directory-roles.js';
import { createApp, grantConsent } from '../../src/services/app-service.js';
import { createGroup } from '../../src/services/groups.js';
import { setPassword } from '../../src/services/users.js';
import type { Contact, Group, User } from '../../src/domain/directory.js';
import type { Tenant } from '../../src/domain/tenant.js';
import {
  chromiumMissing,
  expectAccessible,
  expectFitsNarrowScreen,
  launchChromium,
} from '../support/chromium.js';
import { Harness } from '../support/harness.js';
import { BLUE, RED, solid } from '../support/images.js';

const PASSWORD = 'correct horse battery staple';
const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

interface ExplorerPermission {
  name: string;
  delegated: { description: string } | null;
  application: { description: string } | null;
  methods: Record<'v1.0' | 'beta', Record<'delegated' | 'application', string[]>>;
}

const claimsOf = (authorization: string) =>
  JSON.parse(Buffer.from(authorization.replace(/^Bearer /, '').split('.')[1]!, 'base64url').toString());

describe('the permissions explorer in Chromium', { skip: chromiumMissing }, () => {
  let h: Harness;
  let tenant: Tenant;
  let megan: User;
  let design: Group;
  let launch: Group;
  let patti: Contact;
  let isaiah: Contact;
  let reader: { appId: string; secret: string };
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const cspViolations: string[] = [];

  async function newPage(on: BrowserContext): Promise<Page> {
    const opened = await on.newPage();
    opened.on('console', (message) => {
      if (/Content[- ]Security[- ]Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    return opened;
  }

  const fitsNarrowScreen = (on: Page, what: string) =>
    expectFitsNarrowScreen(on, what, `${RESULTS}${what}-360.png`);

  /** A method line of the page's first (v1.0) list, by its exact text. */
  const method = (on: Page, line: string): Locator =>
    on
      .locator('.methods')
      .first()
      .locator('.method-list > li')
      .filter({ has: on.locator('code.method', { hasText: new RegExp(`^${literally(line)}$`) }) });

  const upload = async (path: string, roles: string[], rgb: typeof RED) =>
    assert.equal(
      (
        await h.request('PUT', `/v1.0${path}/photo/$value`, {
          token: await h.appToken(tenant, roles),
          headers: { 'content-type': 'image/png' },
          body: await solid(300, 300, rgb).png().toBuffer(),
        })
      ).status,
      200,
      path,
    );

  before(async () => {
    h = await Harness.start();
    tenant = await h.tenant('northwind');
    megan = await h.user(tenant, 'megan', [DIRECTORY_ROLES.globalAdministrator.templateId]);
    await setPassword(h.store.directory, megan, PASSWORD);
    const other = await h.user(tenant, 'other');
    design = (
      await createGroup(h.store, tenant, { displayName: 'Design', members: [megan.id], owners: [megan.id] })
    ).group;
    launch = (
      await createGroup(h.store, tenant, {
        displayName: 'Launch team',
        isTeam: true,
        members: [megan.id],
        owners: [megan.id],
      })
    ).group;
    // A group Megan is not in: her pickers do not offer it.
    await createGroup(h.store, tenant, { displayName: 'Elsewhere', members: [other.id] });
    patti = await h.store.mailbox.createContact({
      tenantId: tenant.id,
      userId: megan.id,
      folderId: null,
      displayName: 'Patti Fernandez',
    });
    const suppliers = await h.store.mailbox.ensureContactFolder(tenant.id, megan.id, 'Suppliers');
    isaiah = await h.store.mailbox.createContact({
      tenantId: tenant.id,
      userId: megan.id,
      folderId: suppliers.id,
      displayName: 'Isaiah Langer',
    });
    await upload(`/users/${megan.id}`, ['ProfilePhoto.ReadWrite.All'], BLUE);
    await upload(`/groups/${design.id}`, ['ProfilePhoto.ReadWrite.All'], RED);
    await upload(`/groups/${launch.id}`, ['ProfilePhoto.ReadWrite.All'], BLUE);
    await upload(`/users/${megan.id}/contacts/${patti.id}`, ['Contacts.ReadWrite'], RED);
    await upload(
      `/users/${megan.id}/contactfolders/${suppliers.id}/contacts/${isaiah.id}`,
      ['Contacts.ReadWrite'],
      BLUE,
    );
    const created = await createApp(h.store.apps, { tenant, name: 'photo-reader' });
    await grantConsent(h.store.apps, created.app, { roles: ['ProfilePhoto.Read.All'] });
    reader = { appId: created.app.appId, secret: created.secret! };

    mkdirSync(RESULTS, { recursive: true });
    browser = await launchChromium();
    context = await browser.newContext({
      ignoreHTTPSErrors: true,
      acceptDownloads: true,
      viewport: { width: 1100, height: 900 },
    });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: h.url });
    page = await newPage(context);
  });

  after(async () => {
    await browser?.close();
    await h?.close();
  });

  it('searches names, descriptions and methods, and shows each permission with its description', async () => {
    const names: string[] = (await h.request('GET', '/explorer/api/permissions')).json();
    const data = new Map<string, ExplorerPermission>();
    for (const name of names)
      data.set(name, (await h.request('GET', `/explorer/api/permissions/${name}`)).json());
    const description = (name: string) =>
      (data.get(name)!.application ?? data.get(name)!.delegated)!.description;
    /** What the search reads: the name, the titles and descriptions of both forms, and every method line. */
    const searchable = (name: string) => {
      const { delegated, application, methods } = data.get(name)!;
      return [name, JSON.stringify(delegated), JSON.stringify(application), JSON.stringify(methods)]
        .join('\n')
        .toLowerCase();
    };

    await page.goto(`${h.url}/explorer`);
    const items = page.locator('.permissions > li');
    await page
      .locator('.permissions .description')
      .nth(names.length - 1)
      .waitFor();
    assert.equal(await items.count(), names.length);
    assert.deepEqual(
      await page.locator('.permissions .description').allTextContents(),
      names.map(description),
    );

    await page.locator('h1').click();
    await page.keyboard.press('/');
    assert.equal(
      await page.evaluate(() => (globalThis as any).document.activeElement.id),
      'permission-search',
    );
    await page.keyboard.type('photo');
    const shown = () => items.locator('a').allTextContents();
    const photo = await shown();
    // Those whose name, description or methods speak of photos; the directory-wide ones do not.
    const expected = names.filter((name) => searchable(name).includes('photo'));
    assert.deepEqual(photo, expected);
    for (const name of [
      'User.Read.All',
      'User.ReadBasic.All',
      'Group.Read.All',
      'Group.ReadWrite.All',
      'Team.ReadBasic.All',
      'TeamSettings.ReadWrite.All',
      'Contacts.Read',
      'Contacts.ReadWrite',
      'ProfilePhoto.ReadWrite.All',
    ]) {
      assert.ok(photo.includes(name), `"photo" finds ${name}`);
    }
    for (const name of ['Directory.Read.All', 'GroupMember.Read.All']) {
      assert.ok(!photo.includes(name), `"photo" does not find ${name}`);
    }
    const contactsRead = items.filter({
      has: page.getByRole('link', { name: 'Contacts.Read', exact: true }),
    });
    assert.equal(
      await contactsRead.locator('.description').textContent(),
      'Allows the app to read contacts and their photos, without a signed-in user.',
    );
    assert.equal(
      await page.getByRole('status').textContent(),
      `${photo.length} of ${names.length} permissions`,
    );
    await page.screenshot({ path: `${RESULTS}explorer-search-photo.png`, fullPage: true });

    // A method path finds what allows it, and says which method matched.
    await page.fill('#permission-search', '/teams/');
    assert.deepEqual(await shown(), [
      'Team.ReadBasic.All',
      'TeamSettings.Read.All',
      'TeamSettings.ReadWrite.All',
    ]);
    assert.deepEqual(await items.locator('.matched-method').allTextContents(), [
      'Method: GET /teams/{id}/photo',
      'Method: GET /teams/{id}/photo',
      'Method: GET /teams/{id}/photo',
    ]);
    // Every word must match somewhere.
    await page.fill('#permission-search', 'contacts write');
    assert.deepEqual(await shown(), ['Contacts.ReadWrite']);

    await page.keyboard.press('Escape');
    assert.equal(await items.count(), names.length);
    await expectAccessible(page, 'explorer list');
    await fitsNarrowScreen(page, 'explorer-list');
  });

  it('breaks the title at its dots at 360 px', async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(`${h.url}/explorer/ProfilePhoto.ReadWrite.All`);
    const title = page.locator('#permission-title');
    await title.waitFor();
    // The title's text, line by line as drawn.
    const lines = await title.evaluate((h1: any) => {
      const doc = (globalThis as any).document;
      const walker = doc.createTreeWalker(h1, 4);
      const rows: { top: number; text: string }[] = [];
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text: string = node.textContent;
        for (let i = 0; i < text.length; i++) {
          const range = doc.createRange();
          range.setStart(node, i);
          range.setEnd(node, i + 1);
          const top = Math.round(range.getBoundingClientRect().top);
          const last = rows[rows.length - 1];
          if (last && Math.abs(last.top - top) < 4) last.text += text[i];
          else rows.push({ top, text: text[i]! });
        }
      }
      return rows.map((row) => row.text);
    });
    assert.deepEqual(lines, ['ProfilePhoto.', 'ReadWrite.All']);
    assert.equal(await title.textContent(), 'ProfilePhoto.ReadWrite.All');
    await page.screenshot({ path: `${RESULTS}explorer-title-360.png` });
    await page.setViewportSize({ width: 1100, height: 900 });
  });

  it('toggles between delegated and app-only, with wording for each, and exports what the API serves', async () => {
    await page.goto(`${h.url}/explorer/ProfilePhoto.Read.All`);
    await page.locator('#permission-title').waitFor();
    const data = (await h.request('GET', '/explorer/api/permissions/ProfilePhoto.Read.All')).json();
    const shown = () => page.locator('.methods').first().locator('code.method').allTextContents();
    const wording = page.locator('#methods-title + p');
    assert.deepEqual(await shown(), data.methods['v1.0'].delegated);
    assert.match((await wording.textContent()) ?? '', /delegated token .*signed-in person's own objects/);

    // A copied link speaks of the view it was copied in: the toggle ends the message.
    await page.getByRole('button', { name: 'Copy URL' }).click();
    await page.getByText(/^Copied /).waitFor();
    assert.equal(
      await page.evaluate(() => (globalThis as any).navigator.clipboard.readText()),
      `${h.url}/explorer/ProfilePhoto.Read.All?type=delegated`,
    );
    await page.getByRole('radio', { name: 'App-only access' }).check();
    await page.waitForURL(/type=application/);
    assert.equal(await page.getByText(/^Copied /).count(), 0);
    assert.equal(await page.locator('p.status').textContent(), '');

    assert.deepEqual(await shown(), data.methods['v1.0'].application);
    const appOnly = (await wording.textContent()) ?? '';
    assert.match(appOnly, /app-only token holding only ProfilePhoto\.Read\.All, for any object/);
    assert.match(appOnly, /needs no admin role and no ownership/);
    assert.doesNotMatch(appOnly, /caller's own objects/);

    const json = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export JSON' }).click();
    assert.deepEqual(JSON.parse(readFileSync((await (await json).path())!, 'utf8')), data);
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
    await expectAccessible(page, 'explorer permission, app-only');
    await fitsNarrowScreen(page, 'explorer-permission');
  });

  it('copies a deep link that reopens the same permission and toggle', async () => {
    await page.getByRole('button', { name: 'Copy URL' }).click();
    await page.getByText(/^Copied /).waitFor();
    const link = await page.evaluate(() => (globalThis as any).navigator.clipboard.readText());
    assert.equal(link, `${h.url}/explorer/ProfilePhoto.Read.All?type=application`);
    const fresh = await newPage(context);
    await fresh.goto(link);
    await fresh.locator('#permission-title').waitFor();
    assert.equal(await fresh.getByRole('radio', { name: 'App-only access' }).isChecked(), true);
    await fresh.close();
  });

  it('prints the permission without the page chrome or Try it', async () => {
    await page.emulateMedia({ media: 'print' });
    for (const selector of ['.masthead', '.toolbar', '.toggle', '.try-as-app']) {
      assert.equal(
        await page.locator(selector).evaluate((e) => (globalThis as any).getComputedStyle(e).display),
        'none',
        selector,
      );
    }
    assert.equal(await page.locator('#permission-title').isVisible(), true);
    await page.emulateMedia({ media: 'screen' });
  });

  it('signed out, offers "Sign in to try", which signs in and comes back to the permission', async () => {
    // A browser that never signed in here: no organization to fill in.
    const fresh = await browser.newContext({
      ignoreHTTPSErrors: true,
      viewport: { width: 1100, height: 900 },
    });
    const guest = await newPage(fresh);
    await guest.goto(`${h.url}/explorer/User.Read`);
    const line = method(guest, 'GET /users/{id | userPrincipalName}/photos/{size}/$value');
    await line.waitFor();
    assert.equal(
      await guest.getByRole('button', { name: /^Try it/ }).count(),
      0,
      'no Try it before signing in',
    );
    assert.equal(await guest.locator('#tenant').count(), 0, 'no sign-in form in the page');
    assert.ok(await guest.locator('.try-note').getByRole('button', { name: 'Sign in to try' }).isVisible());
    await line.getByRole('button', { name: /^Sign in to try/ }).click();
    const dialog = guest.getByRole('dialog', { name: 'Sign in to try' });
    await dialog.waitFor();
    await guest.screenshot({ path: `${RESULTS}explorer-sign-in-to-try.png` });
    await expectAccessible(guest, 'sign in to try');
    await dialog.getByLabel('Organization (tenant name or id)').fill(tenant.name);
    await dialog.getByRole('button', { name: 'Sign in' }).click();
    await guest.waitForURL(/\/oauth2\/v2\.0\/authorize/);
    await guest.fill('#username', megan.userPrincipalName);
    await guest.fill('#password', PASSWORD);
    await guest.click('button[type=submit]');
    await guest.waitForURL(/\/explorer\/User\.Read/);
    // Signed in: Try it, as this person, with the user's name filled in (Graph takes a UPN).
    assert.match(
      (await guest.locator('.try-note').textContent()) ?? '',
      new RegExp(
        `Try it runs a GET as you, ${literally(megan.userPrincipalName)}, with the console's sign-in`,
      ),
    );
    await line.getByRole('button', { name: /^Try it/ }).click();
    assert.equal(await line.getByLabel('{id | userPrincipalName}').inputValue(), megan.userPrincipalName);
    await line.getByLabel('{size}').fill('240x240');
    await line.getByRole('button', { name: 'Run GET' }).click();
    await line.getByText('Status 200').waitFor();
    assert.equal(await line.locator('img.tried').evaluate((img) => (img as any).naturalWidth), 240);
    assert.match((await line.locator('.headers').textContent()) ?? '', /etag/i);
    await fresh.close();
  });

  it('offers the signed-in person their groups, teams, contact folders and contacts for an {id}', async () => {
    await page.goto(`${h.url}/explorer/Group.Read.All`);
    const group = method(page, 'GET /groups/{id}/photo/$value');
    await group.getByRole('button', { name: /^Sign in to try/ }).click();
    await page.getByLabel('Organization (tenant name or id)').fill(tenant.name);
    await page.getByRole('dialog').getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/oauth2\/v2\.0\/authorize/);
    await page.fill('#username', megan.userPrincipalName);
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/explorer\/Group\.Read\.All/);

    await group.getByRole('button', { name: /^Try it/ }).click();
    const groups = group.getByLabel('Or pick from GET /v1.0/me/joinedGroups');
    await groups.locator('option', { hasText: 'Design' }).waitFor({ state: 'attached' });
    assert.deepEqual(await groups.locator('option').allTextContents(), [
      '2 found: choose one…',
      'Design',
      'Launch team',
    ]);
    await groups.selectOption({ label: 'Design' });
    assert.equal(await group.getByLabel('{id}', { exact: true }).inputValue(), design.id);
    await group.getByRole('button', { name: 'Run GET' }).click();
    await group.getByText('Status 200').waitFor();
    await group.locator('img.tried').waitFor();
    await page.screenshot({ path: `${RESULTS}explorer-try-it-group.png`, fullPage: true });
    await expectAccessible(page, 'try it with a group picker');
    await fitsNarrowScreen(page, 'explorer-try-it-group');

    // A team method offers only the groups that are teams.
    await page.goto(`${h.url}/explorer/Team.ReadBasic.All`);
    await page.waitForURL(/Team\.ReadBasic\.All/);
    // The reload signed out: sign in again from the button.
    const team = method(page, 'GET /teams/{id}/photo/$value');
    await team.getByRole('button', { name: /^Sign in to try/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Sign in to try' });
    assert.equal(await dialog.getByLabel('Organization (tenant name or id)').inputValue(), tenant.name);
    await dialog.getByRole('button', { name: 'Sign in' }).click();
    await page.fill('#username', megan.userPrincipalName);
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/explorer\/Team\.ReadBasic\.All/);
    await team.getByRole('button', { name: /^Try it/ }).click();
    const teams = team.getByLabel('Or pick from GET /v1.0/me/joinedGroups (the teams)');
    await teams.locator('option', { hasText: 'Launch team' }).waitFor({ state: 'attached' });
    assert.deepEqual(await teams.locator('option').allTextContents(), [
      '1 found: choose one…',
      'Launch team',
    ]);
    await teams.selectOption({ label: 'Launch team' });
    assert.equal(await team.getByLabel('{id}', { exact: true }).inputValue(), launch.id);
    await team.getByRole('button', { name: 'Run GET' }).click();
    await team.getByText('Status 200').waitFor();

    // Contacts: the folder first, then the contacts in it.
    await page.click('a[href="/explorer"]');
    await page.getByRole('link', { name: 'Contacts.Read', exact: true }).click();
    const inFolder = method(page, 'GET /me/contactfolders/{contactFolderId}/contacts/{id}/photo/$value');
    await inFolder.getByRole('button', { name: /^Try it/ }).click();
    const folders = inFolder.getByLabel('Or pick from GET /v1.0/me/contactfolders', { exact: true });
    await folders.locator('option', { hasText: 'Suppliers' }).waitFor({ state: 'attached' });
    await folders.selectOption({ label: 'Suppliers' });
    const contacts = inFolder.getByLabel(/^Or pick from GET \/v1\.0\/me\/contactfolders\/[^/]+\/contacts$/);
    await contacts.locator('option', { hasText: 'Isaiah Langer' }).waitFor({ state: 'attached' });
    assert.deepEqual(await contacts.locator('option').allTextContents(), [
      '1 found: choose one…',
      'Isaiah Langer',
    ]);
    await contacts.selectOption({ label: 'Isaiah Langer' });
    await inFolder.getByRole('button', { name: 'Run GET' }).click();
    await inFolder.getByText('Status 200').waitFor();

    // Under /users/{id | userPrincipalName}, the contacts of the mailbox the name gives.
    const byName = method(page, 'GET /users/{id | userPrincipalName}/contacts/{id}/photo/$value');
    await byName.getByRole('button', { name: /^Try it/ }).click();
    const theirs = byName.getByLabel(`Or pick from GET /v1.0/users/${megan.userPrincipalName}/contacts`);
    await theirs.locator('option', { hasText: 'Patti Fernandez' }).waitFor({ state: 'attached' });
    await theirs.selectOption({ label: 'Patti Fernandez' });
    assert.equal(await byName.getByLabel('{id}', { exact: true }).inputValue(), patti.id);
    await byName.getByRole('button', { name: 'Run GET' }).click();
    await byName.getByText('Status 200').waitFor();
    await expectAccessible(page, 'try it with contact pickers');
  });

  it('tries app-only methods with an app token from its client id and secret, never the signed-in one', async () => {
    await page.click('a[href="/explorer"]');
    await page.getByRole('link', { name: 'ProfilePhoto.Read.All', exact: true }).click();
    await page.getByRole('radio', { name: 'App-only access' }).check();
    const section = page.locator('.try-as-app');
    assert.match((await section.textContent()) ?? '', /until then Try it runs with your own sign-in/);
    const line = method(page, 'GET /users/{id | userPrincipalName}/photo/$value');
    await line.getByRole('button', { name: /^Try it/ }).click();
    // Without an app token it runs with the signed-in token (SPEC §8), and says so.
    assert.match((await line.textContent()) ?? '', /No app token yet: this runs with your own sign-in/);
    await line.getByLabel('{id | userPrincipalName}').fill(megan.userPrincipalName);
    const asPerson = page.waitForRequest((r) =>
      r.url().endsWith(`/v1.0/users/${encodeURIComponent(megan.userPrincipalName)}/photo/$value`),
    );
    await line.getByRole('button', { name: 'Run GET' }).click();
    assert.notEqual(claimsOf((await asPerson).headers()['authorization']!).idtyp, 'app');
    await line.getByText('Status 200').waitFor();
    await page.screenshot({ path: `${RESULTS}explorer-app-only.png`, fullPage: true });
    await expectAccessible(page, 'app-only, no app token');

    await section.getByLabel('Application (client) id').fill(reader.appId);
    await section.getByLabel('Client secret').fill('not the secret');
    await section.getByRole('button', { name: 'Get app token' }).click();
    assert.match(
      (await section.getByRole('alert').textContent()) ?? '',
      /AADSTS7000215: Invalid client secret/,
    );
    await section.getByLabel('Client secret').fill(reader.secret);
    await section.getByRole('button', { name: 'Get app token' }).click();
    await section.getByText(/runs these methods as the app photo-reader/).waitFor();
    assert.match(
      (await section.textContent()) ?? '',
      /holds ProfilePhoto\.Read\.All\. Your own sign-in is not used/,
    );
    assert.equal(await section.locator('.warning').count(), 0);

    // The Try it opened before the token came now runs as the app.
    await line.getByLabel('{id | userPrincipalName}').fill(megan.userPrincipalName);
    const sent = page.waitForRequest((r) =>
      r.url().endsWith(`/v1.0/users/${encodeURIComponent(megan.userPrincipalName)}/photo/$value`),
    );
    await line.getByRole('button', { name: 'Run GET' }).click();
    const claims = claimsOf((await sent).headers()['authorization']!);
    assert.equal(claims.idtyp, 'app');
    assert.equal(claims.appid, reader.appId);
    assert.deepEqual(claims.roles, ['ProfilePhoto.Read.All']);
    await line.getByText('Status 200').waitFor();
    await line.locator('img.tried').waitFor();
    await expectAccessible(page, 'app-only with an app token');

    // On a page the app's token does not cover, it says so.
    await page.click('a[href="/explorer"]');
    await page.getByRole('link', { name: 'Group.Read.All', exact: true }).click();
    await page.getByRole('radio', { name: 'App-only access' }).check();
    assert.equal(
      await page.locator('.try-as-app .warning').textContent(),
      'This app does not hold Group.Read.All: what Try it shows is what its own permissions allow.',
    );
    await page.getByRole('button', { name: 'Forget the app token' }).click();
    await page.getByLabel('Application (client) id').waitFor();
  });

  it('broke no Content-Security-Policy rule on any page', () => {
    assert.deepEqual(cspViolations, []);
  });
});

/** A string as a regular expression that matches it literally. */
function literally(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
