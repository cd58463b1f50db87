// CORS for browser apps (SPEC §7): preflights answered before authentication on the API, the
// issuer and the system routes; every reply to a browser readable by it (401s and 429s
// included); origins narrowed per tenant with `portrait tenant update --cors-origins`.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { User } from '../../src/domain/directory.js';
import type { Tenant } from '../../src/domain/tenant.js';
import { portrait } from '../support/cli.js';
import { Harness } from '../support/harness.js';
import { noiseJpeg } from '../support/images.js';

let h: Harness;
let open: Tenant;
let narrow: Tenant;
let openUser: User;
let narrowUser: User;
let openToken: string;
let narrowToken: string;

const APP = 'https://app.example';
const EVIL = 'https://evil.example';

const preflight = (
  path: string,
  origin: string,
  method: string,
  headers = 'authorization, client-request-id',
) =>
  h.request('OPTIONS', path, {
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers },
  });

const exposed = (reply: { headers: Record<string, string> }) =>
  (reply.headers['access-control-expose-headers'] ?? '').split(/,\s*/);

before(async () => {
  h = await Harness.start();
  open = await h.tenant('open');
  narrow = await h.tenant('narrow');
  openUser = await h.user(open, 'olive');
  narrowUser = await h.user(narrow, 'nina');
  openToken = await h.delegatedToken(open, openUser, ['User.ReadWrite']);
  narrowToken = await h.delegatedToken(narrow, narrowUser, ['User.ReadWrite']);
});

after(() => h.close());

describe('preflights', () => {
  it('answers them with 204 before any authentication, for every kind of route', async () => {
    const paths: [string, string, string][] = [
      ['/v1.0/me', 'GET', 'authorization, client-request-id'],
      ['/v1.0/me/photo/$value', 'PUT', 'authorization, content-type, if-match'],
      ['/beta/users/x/photos/48x48/$value', 'GET', 'authorization, if-none-match'],
      ['/v1.0/$batch', 'POST', 'authorization, content-type, client-request-id'],
      [
        '/v1.0/users?$search=%22displayName:a%22',
        'GET',
        'authorization, consistencylevel, x-peoplequery-querysources',
      ],
      [`/${open.name}/oauth2/v2.0/token`, 'POST', 'content-type'],
      [`/${open.id}/v2.0/.well-known/openid-configuration`, 'GET', ''],
      [`/${open.name}/discovery/v2.0/keys`, 'GET', ''],
      ['/healthz', 'GET', ''],
    ];
    for (const [path, method, headers] of paths) {
      const reply = await preflight(path, APP, method, headers);
      assert.equal(reply.status, 204, `${method} ${path}: ${reply.body.toString()}`);
      assert.equal(reply.headers['access-control-allow-origin'], '*', path);
      assert.match(reply.headers['access-control-allow-methods']!, new RegExp(`\\b${method}\\b`), path);
      if (headers) assert.equal(reply.headers['access-control-allow-headers'], headers, path);
      assert.equal(reply.headers['www-authenticate'], undefined, 'no challenge: a preflight has no token');
      assert.equal(reply.body.length, 0);
      assert.ok(Number(reply.headers['access-control-max-age']) > 0);
    }
  });

  it('drops asked header names that are not header names', async () => {
    const reply = await preflight('/v1.0/me', APP, 'GET', 'authorization, bad header, x:y');
    assert.equal(reply.headers['access-control-allow-headers'], 'authorization');
  });

  it('leaves OPTIONS without a preflight as it was: a Graph 405 for a photo path', async () => {
    const reply = await h.request('OPTIONS', '/v1.0/me/photo', {
      token: openToken,
      headers: { origin: APP },
    });
    assert.equal(reply.status, 405);
    assert.equal(reply.headers['access-control-allow-origin'], '*');
  });
});

describe('replies to a browser', () => {
  it('lets the page read the reply and the headers Graph clients need', async () => {
    const reply = await h.request('GET', '/v1.0/me', { token: openToken, headers: { origin: APP } });
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['access-control-allow-origin'], '*');
    for (const name of ['ETag', 'Location', 'Retry-After', 'request-id', 'client-request-id']) {
      assert.ok(exposed(reply).includes(name), name);
    }
  });

  it('lets the page read a 401 and its challenge, so MSAL can react', async () => {
    const reply = await h.request('GET', '/v1.0/me', { headers: { origin: APP } });
    assert.equal(reply.status, 401);
    assert.equal(reply.headers['access-control-allow-origin'], '*');
    assert.ok(exposed(reply).includes('WWW-Authenticate'));
  });

  it("answers the issuer's discovery, keys and token endpoint to browsers", async () => {
    for (const path of [
      `/${open.name}/v2.0/.well-known/openid-configuration`,
      `/${open.name}/discovery/v2.0/keys`,
    ]) {
      const reply = await h.request('GET', path, { headers: { origin: APP } });
      assert.equal(reply.status, 200, path);
      assert.equal(reply.headers['access-control-allow-origin'], '*', path);
    }
    const token = await h.request('POST', `/${open.name}/oauth2/v2.0/token`, {
      headers: { origin: APP, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=nobody&client_secret=x&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default',
    });
    assert.equal(token.status, 400, 'an unknown client, but the page can read why');
    assert.equal(token.headers['access-control-allow-origin'], '*');
  });

  it('sends no CORS headers to clients that are not browsers', async () => {
    const reply = await h.request('GET', '/v1.0/me', { token: openToken });
    assert.equal(reply.headers['access-control-allow-origin'], undefined);
  });
});

describe('per-tenant origins', () => {
  it('are set with portrait tenant update --cors-origins, while the server runs', async () => {
    const store = [...h.storeArgs];
    const bad = await portrait([
      'tenant',
      'update',
      narrow.name,
      '--cors-origins',
      'https://app.example/path',
      ...store,
    ]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /https:\/\/app\.example/);
    const set = await portrait([
      'tenant',
      'update',
      narrow.name,
      '--cors-origins',
      `${APP} HTTP://LOCALHOST:3000`,
      '--json',
      ...store,
    ]);
    assert.equal(set.code, 0, set.stderr);
    assert.deepEqual(JSON.parse(set.stdout).settings.corsOrigins, [APP, 'http://localhost:3000']);
  });

  it("refuse another origin's requests with that tenant's tokens, and do nothing for them", async () => {
    const upload = (origin: string) =>
      h.request('PUT', '/v1.0/me/photo/$value', {
        token: narrowToken,
        headers: { origin, 'content-type': 'image/jpeg' },
        body: jpeg,
      });
    const jpeg = await noiseJpeg(64, 64);
    const refused = await upload(EVIL);
    assert.equal(refused.status, 403);
    assert.equal(refused.json().error.code, 'Authorization_RequestDenied');
    assert.match(refused.json().error.message, /evil\.example/);
    assert.equal(refused.headers['access-control-allow-origin'], undefined);
    assert.equal(
      (await h.request('GET', '/v1.0/me/photo', { token: narrowToken })).status,
      404,
      'nothing stored',
    );

    const allowed = await upload(APP);
    assert.equal(allowed.status, 200);
    assert.equal(allowed.headers['access-control-allow-origin'], APP);
    assert.match(allowed.headers['vary'] ?? '', /Origin/);
    // Another tenant keeps the default: any origin.
    const other = await h.request('GET', '/v1.0/me', { token: openToken, headers: { origin: EVIL } });
    assert.equal(other.status, 200);
    assert.equal(other.headers['access-control-allow-origin'], '*');
  });

  it("judge the issuer's preflights by the tenant in the path", async () => {
    const tokenPath = `/${narrow.name}/oauth2/v2.0/token`;
    const ok = await preflight(tokenPath, 'http://localhost:3000', 'POST', 'content-type');
    assert.equal(ok.status, 204);
    assert.equal(ok.headers['access-control-allow-origin'], 'http://localhost:3000');
    const no = await preflight(tokenPath, EVIL, 'POST', 'content-type');
    assert.equal(no.status, 403);
    assert.equal(no.headers['access-control-allow-origin'], undefined);
  });

  it('refuse API preflights from origins no tenant allows, once every tenant is narrowed', async () => {
    await h.store.directory.updateTenantSettings(open.id, { corsOrigins: ['https://open.example'] });
    const no = await preflight('/v1.0/me', EVIL, 'GET');
    assert.equal(no.status, 403);
    assert.equal(no.headers['access-control-allow-origin'], undefined);
    for (const origin of [APP, 'https://open.example']) {
      const yes = await preflight('/v1.0/me', origin, 'GET');
      assert.equal(yes.status, 204, origin);
      assert.equal(yes.headers['access-control-allow-origin'], origin);
    }
    const reset = await portrait([
      'tenant',
      'update',
      open.id,
      '--cors-origins',
      '*',
      '--json',
      ...h.storeArgs,
    ]);
    assert.equal(JSON.parse(reset.stdout).settings.corsOrigins, '*');
    assert.equal((await preflight('/v1.0/me', EVIL, 'GET')).headers['access-control-allow-origin'], '*');
  });
});
