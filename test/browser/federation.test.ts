// Signing in to the web console through the organisation's OpenID provider (SPEC §12), in
// Debian's Chromium, with oidc-provider as that provider over HTTPS: the first sign-in creates the
// person and maps their role, a photo is uploaded, the next sign-in removes the role; an unknown
// person is turned away with provision=existing; passwords=off goes straight to the provider; a
// tampered callback and a provider that does not answer end on pages that say so. Every page
// Portrait shows is checked with axe-core and at 360 px; screenshots go to test-results/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { DIRECTORY_ROLES } from '../../src/auth/directory-roles.js';
import type { Tenant } from '../../src/domain/tenant.js';
import {
  chromiumMissing,
  expectAccessible,
  expectFitsNarrowScreen,
  launchChromium,
} from '../support/chromium.js';
import { Harness } from '../support/harness.js';
import { halves, RED, BLUE } from '../support/images.js';
import { UpstreamIdp } from '../support/upstream-idp.js';

const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const SECRET_ENV = 'PORTRAIT_TEST_BROWSER_SSO_SECRET';
const PEOPLE_ADMIN = DIRECTORY_ROLES.peopleAdministrator.templateId;

describe('signing in to the console through the organisation provider, in Chromium', {
  skip: chromiumMissing,
}, () => {
  let h: Harness;
  let idp: UpstreamIdp;
  let tenant: Tenant;
  let browser: Browser;

  async function useProvider(options: string) {
    tenant = await idp.useFor(
      h.store,
      tenant,
      `name='Acme SSO' scopes='openid profile email groups' ${options}`,
    );
  }

  /** A fresh browser session at the console, sent to Portrait's sign-in for the tenant. */
  async function toSignIn(): Promise<Page> {
    const context = await browser.newContext({
      ignoreHTTPSErrors: true,
      viewport: { width: 1000, height: 800 },
    });
    const page = await context.newPage();
    await page.goto(`${h.url}/`);
    await page.fill('#tenant', tenant.name);
    await page.click('button[type=submit]');
    return page;
  }

  /** On the provider's own pages: sign in as `login`, then allow Portrait. */
  async function atProvider(page: Page, login: string) {
    await page.waitForURL(`${idp.issuer}/**`);
    await page.fill('input[name=login]', login);
    await page.fill('input[name=password]', 'any password');
    await page.click('button[type=submit]');
    await page.locator('button[type=submit]').waitFor();
    if (page.url().includes('/interaction/')) await page.click('button[type=submit]');
  }

  /** Portrait's "Sign in with Acme SSO", pressed with the keyboard. */
  async function pressSignInWith(page: Page) {
    const link = page.getByRole('link', { name: 'Sign in with Acme SSO' });
    await link.focus();
    await page.keyboard.press('Enter');
  }

  const person = (key: string) => h.store.directory.findUser(tenant.id, key);

  before(async () => {
    h = await Harness.start();
    tenant = await h.tenant('acme');
    idp = await UpstreamIdp.forPortrait(h.url, tenant, SECRET_ENV);
    idp.trustInThisProcess();
    idp.people.set('nina@acme.example', {
      sub: 'nina@acme.example',
      email: 'nina@acme.example',
      email_verified: true,
      name: 'Nina Lopez',
      groups: ['photo-admins'],
    });
    await useProvider("provision=jit roles-claim=groups role-map='photo-admins=People Administrator'");
    mkdirSync(RESULTS, { recursive: true });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await idp?.close();
    await h?.close();
  });

  it('creates the person at first sign-in with their mapped role, and lets them upload a photo', async () => {
    const page = await toSignIn();
    await page.getByRole('link', { name: 'Sign in with Acme SSO' }).waitFor();
    await expectAccessible(page, 'sign-in page with a provider');
    await expectFitsNarrowScreen(page, 'sign-in page with a provider', `${RESULTS}federated-sign-in-360.png`);
    await pressSignInWith(page);
    await atProvider(page, 'nina@acme.example');
    await page.locator('#my-photo-title').waitFor();
    assert.match((await page.locator('header .who').textContent()) ?? '', /Nina Lopez|nina@acme\.example/);
    const nina = await person('nina@acme.example');
    assert.ok(nina, 'created just in time');
    assert.deepEqual(nina.directoryRoles, [PEOPLE_ADMIN]);

    const picture = await (await halves(900, 900, RED, BLUE)).png().toBuffer();
    await page.setInputFiles('#file-me-me', { name: 'me.png', mimeType: 'image/png', buffer: picture });
    await page.getByRole('button', { name: 'Upload photo' }).click();
    await page.getByText('Photo uploaded.').waitFor();
    await page.screenshot({ path: `${RESULTS}federated-console.png` });
    const stored = await h.request('GET', `/v1.0/users/${nina.id}/photo`, {
      token: await h.appToken(tenant, ['ProfilePhoto.Read.All']),
    });
    assert.equal(stored.status, 200);
    await page.context().close();
  });

  it('removes the mapped role when the provider no longer names the group', async () => {
    idp.people.set('nina@acme.example', { ...idp.people.get('nina@acme.example')!, groups: [] });
    const page = await toSignIn();
    await pressSignInWith(page);
    await atProvider(page, 'nina@acme.example');
    await page.locator('#my-photo-title').waitFor();
    assert.deepEqual((await person('nina@acme.example'))!.directoryRoles, []);
    await page.context().close();
  });

  it('with provision=existing, turns an unknown person away on a page, creating nothing', async () => {
    await useProvider('provision=existing');
    idp.people.set('omar@acme.example', {
      sub: 'omar@acme.example',
      email: 'omar@acme.example',
      email_verified: true,
    });
    const page = await toSignIn();
    await pressSignInWith(page);
    await atProvider(page, 'omar@acme.example');
    await page.getByText("Your account omar@acme.example is not in this organisation's directory").waitFor();
    await page.getByRole('link', { name: 'Start again' }).waitFor();
    await expectAccessible(page, 'not in the directory page');
    await expectFitsNarrowScreen(page, 'not in the directory page', `${RESULTS}federated-refused-360.png`);
    assert.equal(await person('omar@acme.example'), undefined);
    await page.context().close();
  });

  it('with passwords=off, goes straight to the provider', async () => {
    await useProvider('provision=jit passwords=off');
    const page = await toSignIn();
    await page.waitForURL(`${idp.issuer}/**`);
    await atProvider(page, 'nina@acme.example');
    await page.locator('#my-photo-title').waitFor();
    await page.context().close();
  });

  it('ends a replayed or tampered callback on a page that offers to start again', async () => {
    await useProvider('provision=jit');
    const page = await toSignIn();
    let callback = '';
    page.on('request', (request) => {
      if (request.url().includes('/federation/callback?')) callback = request.url();
    });
    await pressSignInWith(page);
    await atProvider(page, 'nina@acme.example');
    await page.locator('#my-photo-title').waitFor();
    assert.ok(callback, 'the provider sent the browser back to the callback');
    // The same answer again, its state changed: in this browser (its state is spent) and in another.
    const tampered = callback.replace(/state=[^&]+/, 'state=tampered');
    for (const at of [page, await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage()]) {
      await at.goto(tampered);
      await at.getByText('does not belong to a sign-in started in this browser').waitFor();
    }
    const other = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
    await other.goto(callback);
    await other.getByText('does not belong to a sign-in started in this browser').waitFor();
    await expectAccessible(other, 'replayed callback page');
    await expectFitsNarrowScreen(other, 'replayed callback page', `${RESULTS}federated-replayed-360.png`);
    await page.context().close();
    await other.context().close();
  });

  it('says so when the provider does not answer within 10 s, and offers to start again', {
    timeout: 60_000,
  }, async () => {
    idp.people.set('zoe@acme.example', {
      sub: 'zoe@acme.example',
      email: 'zoe@acme.example',
      email_verified: true,
    });
    const page = await toSignIn();
    // The provider falls silent as Portrait redeems the code at its token endpoint.
    idp.stallTokenMs = 12_000;
    try {
      await pressSignInWith(page);
      await atProvider(page, 'zoe@acme.example');
      await page.getByText('Acme SSO did not answer in time').waitFor({ timeout: 30_000 });
      await page.screenshot({ path: `${RESULTS}federated-timeout.png` });
      assert.equal(await person('zoe@acme.example'), undefined);
      idp.stallTokenMs = 0;
      await page.getByRole('link', { name: 'Start again' }).click();
      await page.getByRole('link', { name: 'Sign in with Acme SSO' }).waitFor();
    } finally {
      idp.stallTokenMs = 0;
      await page.context().close();
    }
  });
});
