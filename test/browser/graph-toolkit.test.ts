// A browser app built for Microsoft Graph works against Portrait (SPEC §7), in Debian's Chromium:
// a page on another origin signs in with MSAL.js through Portrait's issuer (discovery, JWKS and
// the token endpoint read cross-origin), then the Graph Toolkit's <mgt-person> shows people by
// id, as `me` and found by a UPN search, through the ProxyProvider. Every call crosses origins,
// so CORS, $batch in Graph's shape, the Toolkit's $select and its $search must all hold. The
// photos are checked by their pixels: each person's is a different solid colour.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, Locator, Page } from 'playwright-core';
import { setPassword } from '../../src/services/users.js';
import { createApp } from '../../src/services/app-service.js';
import type { User } from '../../src/domain/directory.js';
import type { Tenant } from '../../src/domain/tenant.js';
import { chromiumMissing, launchChromium } from '../support/chromium.js';
import { Harness } from '../support/harness.js';
import { UpstreamIdp } from '../support/upstream-idp.js';
import { updateTenantSettings } from '../../src/services/tenants.js';
import { BLUE, GREEN, near, RED, type Rgb, solidJpeg } from '../support/images.js';

const PASSWORD = 'correct horse battery staple';
const APP_SOURCE = fileURLToPath(new URL('./pages/toolkit-app.ts', import.meta.url));
const SCREENSHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

/** The page's own origin: an HTTP server on another port, as a developer's app would be. */
async function pageServer(html: () => string, script: string): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    if (request.url?.startsWith('/app.js')) {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    } else {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${port}/` };
}

/**
 * The colour at the middle of an image the page shows, read back through a canvas. The function
 * runs in the page, where the DOM is; this file is typed for Node, hence the `any`s.
 */
const middleColour = (image: Locator): Promise<Rgb> =>
  image.evaluate(async (img: any) => {
    await img.decode();
    const canvas = (globalThis as any).document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const context = canvas.getContext('2d');
    context.drawImage(img, 0, 0);
    const [r, g, b] = context.getImageData(img.naturalWidth >> 1, img.naturalHeight >> 1, 1, 1).data;
    return [r, g, b] as Rgb;
  });

describe('the Graph Toolkit and MSAL.js in Chromium', { skip: chromiumMissing }, () => {
  let h: Harness;
  let tenant: Tenant;
  let megan: User;
  let alex: User;
  let diego: User;
  let site: { server: Server; url: string };
  let browser: Browser;
  let page: Page;

  before(async () => {
    h = await Harness.start();
    tenant = await h.tenant('contoso');
    const person = async (alias: string, displayName: string, colour: Rgb) => {
      const user = await h.store.directory.createUser({
        tenantId: tenant.id,
        userPrincipalName: `${alias}@contoso.example`,
        displayName,
        mail: `${alias}@contoso.example`,
      });
      const { status } = await h.request('PUT', `/v1.0/users/${user.id}/photo/$value`, {
        token: await h.appToken(tenant, ['ProfilePhoto.ReadWrite.All']),
        headers: { 'content-type': 'image/jpeg' },
        body: await solidJpeg(240, 240, colour),
      });
      assert.equal(status, 200);
      return user;
    };
    megan = await person('megan.bowen', 'Megan Bowen', GREEN);
    alex = await person('alex.wilber', 'Alex Wilber', RED);
    diego = await person('diego.siciliani', 'Diego Siciliani', BLUE);
    await setPassword(h.store.directory, megan, PASSWORD);

    const bundle = await build({
      entryPoints: [APP_SOURCE],
      bundle: true,
      format: 'esm',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
      // mgt's packages declare no side effects yet import each other in a circle: without this
      // the <mgt-person> registration is dropped (NOTES.md).
      ignoreAnnotations: true,
    });
    // The app registration needs the redirect URI, which needs the page server's port.
    let settings = '';
    site = await pageServer(
      () =>
        `<!doctype html><html><head><title>Toolkit app</title></head><body>` +
        `<p id="status">starting</p>` +
        `<script type="application/json" id="settings">${settings}</script>` +
        `<script type="module" src="/app.js"></script></body></html>`,
      bundle.outputFiles[0]!.text,
    );
    const { app } = await createApp(h.store.apps, {
      tenant,
      name: 'toolkit-spa',
      publicClient: true,
      redirectUris: [site.url],
    });
    settings = JSON.stringify({
      portrait: h.url,
      tenant: tenant.name,
      clientId: app.appId,
      scopes: ['User.Read', 'User.ReadBasic.All'],
      people: {
        'by-id': { 'user-id': alex.id, view: 'oneline' },
        me: { 'person-query': 'me', view: 'oneline' },
        'by-search': { 'person-query': diego.userPrincipalName, view: 'oneline' },
      },
    });

    browser = await launchChromium();
    // Portrait's development CA is not in Chromium's store; the page's own origin is plain HTTP.
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    page = await context.newPage();
  });

  after(async () => {
    await browser?.close();
    await new Promise((resolve) => site?.server.close(resolve));
    await h?.close();
  });

  it('signs in with MSAL.js through the sign-in and consent pages, across origins', async () => {
    await page.goto(site.url);
    await page.waitForURL(`${h.url}/**`);
    await page.fill('#username', megan.userPrincipalName);
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');
    await page.click('button[value=accept]');
    await page.waitForURL(`${site.url}**`);
    await page
      .locator('#status')
      .filter({ hasText: /signed in|failed/ })
      .waitFor();
    assert.equal(await page.locator('#status').textContent(), `signed in as ${megan.userPrincipalName}`);
  });

  for (const [id, who, colour] of [
    ['by-id', () => alex, RED],
    ['me', () => megan, GREEN],
    ['by-search', () => diego, BLUE],
  ] as const) {
    it(`shows <mgt-person id="${id}"> with their name and their own photo`, async () => {
      const person = page.locator(`mgt-person#${id}`);
      // Playwright's CSS locators pierce the component's shadow root; the photo is a data URL.
      const image = person.locator('img[src^="data:image/"]');
      await image.waitFor({ timeout: 20_000 });
      await person.getByText(who().displayName).first().waitFor();
      const seen = await middleColour(image);
      assert.ok(near(seen, colour), `the photo shown is ${seen}, not the uploaded ${colour}`);
    });
  }

  it('signs in with MSAL.js through Portrait while Portrait federates to the organisation provider', async () => {
    const idp = await UpstreamIdp.forPortrait(h.url, tenant, 'PORTRAIT_TEST_TOOLKIT_SSO');
    try {
      idp.trustInThisProcess();
      idp.people.set('megan', {
        sub: 'megan',
        email: megan.mail!,
        email_verified: true,
        name: 'Megan Bowen',
      });
      await idp.useFor(h.store, tenant, "name='Contoso SSO'");
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      const fresh = await context.newPage();
      await fresh.goto(site.url);
      await fresh.waitForURL(`${h.url}/**`);
      await fresh.getByRole('link', { name: 'Sign in with Contoso SSO' }).click();
      await fresh.waitForURL(`${idp.issuer}/**`);
      await fresh.fill('input[name=login]', 'megan');
      await fresh.fill('input[name=password]', 'any password');
      await fresh.click('button[type=submit]');
      await fresh.locator('button[type=submit]').waitFor();
      if (fresh.url().includes('/interaction/')) await fresh.click('button[type=submit]');
      await fresh.waitForURL(`${site.url}**`);
      await fresh
        .locator('#status')
        .filter({ hasText: /signed in|failed/ })
        .waitFor();
      assert.equal(await fresh.locator('#status').textContent(), `signed in as ${megan.userPrincipalName}`);
      await context.close();
    } finally {
      await updateTenantSettings(h.store.directory, tenant, { signInProvider: null });
      await idp.close();
    }
  });

  it('leaves a screenshot of the page for people to look at', async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: `${SCREENSHOTS}graph-toolkit.png` });
  });
});
