// The built-in issuer (SPEC §5, issue: identity): discovery and keys at Entra's paths, app
// registrations with admin consent, client credentials through @azure/msal-node, delegated
// sign-in with authorization code + PKCE through a browser-like client, and key rotation.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { setPassword, updateUser } from '../../src/services/users.js';
import { DIRECTORY_ROLES } from '../../src/auth/directory-roles.js';
import { SigningKeys } from '../../src/auth/signing-keys.js';
import { mintDelegatedToken } from '../../src/auth/token-issuer.js';
import { createApp, grantConsent, revokeConsent } from '../../src/services/app-service.js';
import type { User } from '../../src/domain/directory.js';
import type { AppRegistration } from '../../src/domain/identity.js';
import type { Tenant } from '../../src/domain/tenant.js';
import { Browser, Callback, pkce } from '../support/browser.js';
import { Harness } from '../support/harness.js';
import { solidJpeg } from '../support/images.js';

const MSAL_CLIENT = fileURLToPath(new URL('../support/msal-client.ts', import.meta.url));
const PASSWORD = 'correct horse battery staple';

let h: Harness;
let tenant: Tenant;
let adele: User;
let megan: User;

async function tokenRequest(form: Record<string, string>, headers: Record<string, string> = {}) {
  return h.request('POST', `/${tenant.name}/oauth2/v2.0/token`, {
    body: new URLSearchParams(form).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  });
}

before(async () => {
  h = await Harness.start();
  tenant = await h.tenant('contoso');
  adele = await h.user(tenant, 'adele');
  megan = await h.user(tenant, 'megan', [DIRECTORY_ROLES.globalAdministrator.templateId]);
  for (const user of [adele, megan]) await setPassword(h.store.directory, user, PASSWORD);
  await h.store.photos.replacePhotoSet(tenant.id, adele.id, [
    { width: 48, height: 48, contentType: 'image/jpeg', bytes: await solidJpeg(48, 48) },
  ]);
});

after(() => h.close());

describe('discovery', () => {
  it("publishes each tenant's OpenID configuration and keys at Entra's paths, by id or name", async () => {
    for (const key of [tenant.name, tenant.id]) {
      const config = (await h.request('GET', `/${key}/v2.0/.well-known/openid-configuration`)).json();
      assert.equal(config.issuer, `${h.url}/${tenant.id}/v2.0`);
      assert.equal(config.token_endpoint, `${h.url}/${tenant.id}/oauth2/v2.0/token`);
      assert.equal(config.authorization_endpoint, `${h.url}/${tenant.id}/oauth2/v2.0/authorize`);
      assert.equal(config.jwks_uri, `${h.url}/${tenant.id}/discovery/v2.0/keys`);
      assert.deepEqual(config.code_challenge_methods_supported, ['S256']);
    }
    const jwks = (await h.request('GET', `/${tenant.id}/discovery/v2.0/keys`)).json();
    const { kid } = await h.keys.signingKey();
    assert.ok(
      jwks.keys.some((k: { kid: string; d?: string }) => k.kid === kid && k.d === undefined),
      'public keys only',
    );
  });

  it("answers an unknown tenant with Entra's AADSTS90002", async () => {
    const reply = await h.request('GET', '/nowhere/v2.0/.well-known/openid-configuration');
    assert.equal(reply.status, 400);
    assert.equal(reply.json().error, 'invalid_request');
    assert.deepEqual(reply.json().error_codes, [90002]);
  });
});

describe('app registrations and client credentials', () => {
  let app: AppRegistration;
  let secret: string;

  before(async () => {
    ({ app, secret } = (await createApp(h.store.apps, {
      tenant,
      name: 'photo-sync',
      roles: ['ProfilePhoto.Read.All'],
    })) as {
      app: AppRegistration;
      secret: string;
    });
  });

  it('stores only a hash of the secret', async () => {
    const [record] = await h.store.apps.clientSecrets(app.id);
    assert.ok(record);
    assert.notEqual(record.hash, secret);
    assert.equal(record.hash.includes(secret), false);
    assert.equal(record.hint, secret.slice(0, 3));
  });

  it('issues tokens through @azure/msal-node with the tenant URL as authority; roles need admin consent', async () => {
    const acquire = async () => {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          '--import',
          'tsx',
          MSAL_CLIENT,
          `${h.url}/${tenant.name}`,
          app.appId,
          secret,
          'https://graph.microsoft.com/.default',
        ],
        { env: { ...process.env, NODE_EXTRA_CA_CERTS: h.server.caPath } },
      );
      return JSON.parse(stdout).accessToken as string;
    };
    const photo = (token: string) => h.request('GET', `/v1.0/users/${adele.id}/photo/$value`, { token });

    const beforeConsent = await acquire();
    assert.equal(decodeJwt(beforeConsent)['roles'], undefined);
    assert.equal((await photo(beforeConsent)).status, 403, 'requested is not granted');

    await grantConsent(h.store.apps, app, {});
    const granted = await acquire();
    const claims = decodeJwt(granted);
    assert.deepEqual(claims['roles'], ['ProfilePhoto.Read.All']);
    assert.equal(claims['appid'], app.appId);
    assert.equal(claims['aud'], 'https://graph.microsoft.com');
    assert.equal(claims['iss'], `${h.url}/${tenant.id}/v2.0`);
    assert.equal((await photo(granted)).status, 200);

    await revokeConsent(h.store.apps, (await h.store.apps.findApp(tenant.id, app.appId))!, {});
    assert.equal((await photo(await acquire())).status, 403, 'revoked');
    await grantConsent(h.store.apps, app, {});
  });

  it('accepts client_secret_basic as well as client_secret_post', async () => {
    const basic = Buffer.from(`${app.appId}:${encodeURIComponent(secret)}`).toString('base64');
    const reply = await tokenRequest(
      { grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default' },
      { authorization: `Basic ${basic}` },
    );
    assert.equal(reply.status, 200);
    assert.equal(reply.json().token_type, 'Bearer');
    assert.equal(reply.json().expires_in, 3600);
    assert.equal(reply.headers['cache-control'], 'no-store');
    const garbled = await tokenRequest(
      { grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default' },
      { authorization: `Basic ${Buffer.from(`${app.appId}:%E0%A4%A`).toString('base64')}` },
    );
    assert.equal(garbled.status, 400, 'a Basic credential that is not URL-encoded');
    assert.equal(garbled.json().error, 'invalid_request');
  });

  it("refuses bad requests with Entra's errors", async () => {
    const cases: [Record<string, string>, number, string, number][] = [
      [
        {
          grant_type: 'client_credentials',
          client_id: app.appId,
          client_secret: 'wrong',
          scope: 'https://graph.microsoft.com/.default',
        },
        401,
        'invalid_client',
        7000215,
      ],
      [
        {
          grant_type: 'client_credentials',
          client_id: app.appId,
          scope: 'https://graph.microsoft.com/.default',
        },
        401,
        'invalid_client',
        7000218,
      ],
      [
        {
          grant_type: 'client_credentials',
          client_id: '00000000-0000-0000-0000-000000000000',
          client_secret: secret,
          scope: 'https://graph.microsoft.com/.default',
        },
        400,
        'unauthorized_client',
        700016,
      ],
      [
        {
          grant_type: 'client_credentials',
          client_id: app.appId,
          client_secret: secret,
          scope: 'https://graph.microsoft.com/User.Read',
        },
        400,
        'invalid_scope',
        1002012,
      ],
      [
        { grant_type: 'client_credentials', client_id: app.appId, client_secret: secret },
        400,
        'invalid_request',
        900144,
      ],
      [
        { grant_type: 'password', client_id: app.appId, client_secret: secret },
        400,
        'unsupported_grant_type',
        70003,
      ],
      [{ client_id: app.appId }, 400, 'invalid_request', 900144],
    ];
    for (const [form, status, error, code] of cases) {
      const reply = await tokenRequest(form);
      assert.equal(reply.status, status, JSON.stringify(form));
      assert.equal(reply.json().error, error, JSON.stringify(form));
      assert.deepEqual(reply.json().error_codes, [code]);
      assert.match(reply.json().error_description, new RegExp(`^AADSTS${code}: `));
    }
  });
});

describe('delegated sign-in: authorization code with PKCE', () => {
  let callback: Callback;
  let browser: Browser;
  let spa: AppRegistration;

  before(async () => {
    callback = await Callback.start();
    browser = new Browser(h.agent);
    ({ app: spa } = await createApp(h.store.apps, {
      tenant,
      name: 'photo-spa',
      publicClient: true,
      redirectUris: [callback.url],
    }));
  });

  after(() => callback.close());

  function authorizeUrl(scope: string, challenge: string, extra: Record<string, string> = {}) {
    const params = new URLSearchParams({
      client_id: spa.appId,
      response_type: 'code',
      redirect_uri: callback.url,
      scope,
      state: 'state-123',
      nonce: 'nonce-456',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...extra,
    });
    return `${h.url}/${tenant.name}/oauth2/v2.0/authorize?${params}`;
  }

  const redeem = (code: string, verifier: string) =>
    tokenRequest({
      grant_type: 'authorization_code',
      client_id: spa.appId,
      code,
      redirect_uri: callback.url,
      code_verifier: verifier,
    });

  it('signs a user in, asks consent for exactly the scopes requested, and issues matching tokens', async () => {
    const { verifier, challenge } = pkce();
    const signIn = await browser.open(authorizeUrl('openid profile User.Read', challenge));
    assert.equal(signIn.status, 200);
    assert.match(signIn.html, /Sign in/);
    const consent = await browser.submit(signIn, { username: adele.userPrincipalName, password: PASSWORD });
    assert.match(consent.html, /Permissions requested/);
    assert.match(consent.html, /User\.Read/);
    assert.doesNotMatch(consent.html, /User\.ReadWrite|ProfilePhoto/);
    const landed = await browser.submit(consent, { decision: 'accept' });
    assert.equal(landed.url.split('?')[0], callback.url);
    const result = callback.last();
    assert.equal(result.get('state'), 'state-123');

    const reply = await redeem(result.get('code')!, verifier);
    assert.equal(reply.status, 200, reply.body.toString());
    const tokens = reply.json();
    const access = decodeJwt(tokens.access_token);
    assert.equal(access['scp'], 'User.Read');
    assert.equal(access['oid'], adele.id);
    assert.equal(access['azp'], spa.appId);
    const id = decodeJwt(tokens.id_token);
    assert.equal(id.aud, spa.appId);
    assert.equal(id['nonce'], 'nonce-456');
    assert.equal(id['preferred_username'], adele.userPrincipalName);

    // The token does what User.Read allows and nothing more.
    assert.equal(
      (await h.request('GET', '/v1.0/me/photo/$value', { token: tokens.access_token })).status,
      200,
    );
    const write = await h.request('PUT', '/v1.0/me/photo/$value', {
      token: tokens.access_token,
      body: await solidJpeg(60, 60),
      headers: { 'content-type': 'image/jpeg' },
    });
    assert.equal(write.status, 403);

    // A code is good once, and only with its verifier.
    assert.equal((await redeem(result.get('code')!, verifier)).json().error, 'invalid_grant');
  });

  it('remembers consent: the next sign-in for the same scopes goes straight back', async () => {
    const { verifier, challenge } = pkce();
    const signIn = await browser.open(authorizeUrl('User.Read', challenge));
    const landed = await browser.submit(signIn, { username: adele.userPrincipalName, password: PASSWORD });
    assert.equal(landed.url.split('?')[0], callback.url);
    assert.equal((await redeem(callback.last().get('code')!, verifier)).status, 200);
  });

  it('refuses a wrong verifier, and a wrong password without leaving the page', async () => {
    const { challenge } = pkce();
    const signIn = await browser.open(authorizeUrl('User.Read', challenge));
    const wrong = await browser.submit(signIn, {
      username: adele.userPrincipalName,
      password: 'not it at all',
    });
    assert.equal(wrong.status, 401);
    assert.match(wrong.html, /account or password is incorrect/);
    const landed = await browser.submit(wrong, { username: adele.userPrincipalName, password: PASSWORD });
    assert.equal(landed.url.split('?')[0], callback.url);
    const reply = await redeem(callback.last().get('code')!, pkce().verifier);
    assert.equal(reply.json().error, 'invalid_grant');
    assert.deepEqual(reply.json().error_codes, [50148]);
  });

  it('turns away a disabled account, telling only someone who knows its password', async () => {
    const { challenge } = pkce();
    const leaver = await h.user(tenant, 'leaver');
    await setPassword(h.store.directory, leaver, PASSWORD);
    await updateUser(h.store.directory, leaver, { accountEnabled: false });
    const signIn = await browser.open(authorizeUrl('User.Read', challenge));
    const guessed = await browser.submit(signIn, {
      username: leaver.userPrincipalName,
      password: 'a guess at it',
    });
    assert.match(guessed.html, /account or password is incorrect/);
    const refused = await browser.submit(guessed, { username: leaver.userPrincipalName, password: PASSWORD });
    assert.equal(refused.status, 401);
    assert.match(refused.html, /Your account is disabled, so you cannot sign in/);
    assert.notEqual(refused.url.split('?')[0], callback.url, 'no code goes back to the app');
  });

  it('needs an admin for admin-consent scopes, until an admin grants them', async () => {
    const { verifier, challenge } = pkce();
    const url = authorizeUrl('User.Read ProfilePhoto.Read.All', challenge);
    await browser.submit(await browser.open(url), { username: adele.userPrincipalName, password: PASSWORD });
    assert.equal(callback.last().get('error'), 'consent_required');
    assert.match(callback.last().get('error_description')!, /AADSTS65001.*ProfilePhoto\.Read\.All/);

    // A Global Administrator may consent for themselves.
    const consent = await browser.submit(await browser.open(url), {
      username: megan.userPrincipalName,
      password: PASSWORD,
    });
    assert.match(consent.html, /ProfilePhoto\.Read\.All/);
    await browser.submit(consent, { decision: 'accept' });
    const adminToken = (await redeem(callback.last().get('code')!, verifier)).json().access_token;
    assert.equal(decodeJwt(adminToken)['scp'], 'User.Read ProfilePhoto.Read.All');
    assert.deepEqual(decodeJwt(adminToken)['wids'], [DIRECTORY_ROLES.globalAdministrator.templateId]);

    // After admin consent for the tenant, Adele goes through without a prompt.
    await grantConsent(h.store.apps, (await h.store.apps.findApp(tenant.id, spa.appId))!, {
      scopes: ['ProfilePhoto.Read.All'],
    });
    const second = pkce();
    const landed = await browser.submit(
      await browser.open(authorizeUrl('User.Read ProfilePhoto.Read.All', second.challenge)),
      {
        username: adele.userPrincipalName,
        password: PASSWORD,
      },
    );
    assert.equal(landed.url.split('?')[0], callback.url);
    const token = (await redeem(callback.last().get('code')!, second.verifier)).json().access_token;
    assert.equal((await h.request('GET', `/v1.0/users/${megan.id}/photos`, { token })).status, 200);
  });

  it('sends access_denied when the user cancels consent', async () => {
    const other = await h.user(tenant, 'alex');
    await setPassword(h.store.directory, other, PASSWORD);
    const consent = await browser.submit(
      await browser.open(authorizeUrl('Contacts.Read', pkce().challenge)),
      {
        username: other.userPrincipalName,
        password: PASSWORD,
      },
    );
    await browser.submit(consent, { decision: 'cancel' });
    assert.equal(callback.last().get('error'), 'access_denied');
    assert.equal(callback.last().get('state'), 'state-123');
  });

  it('never redirects to an unregistered URI, and requires PKCE from public clients', async () => {
    const before = callback.received.length;
    const foreign = await browser.open(
      authorizeUrl('User.Read', pkce().challenge, { redirect_uri: 'https://evil.example/cb' }),
    );
    assert.equal(foreign.status, 400);
    assert.match(foreign.html, /AADSTS50011/);
    assert.equal(callback.received.length, before);
    const params = new URLSearchParams({
      client_id: spa.appId,
      response_type: 'code',
      redirect_uri: callback.url,
      scope: 'User.Read',
    });
    await browser.open(`${h.url}/${tenant.name}/oauth2/v2.0/authorize?${params}`);
    assert.equal(callback.last().get('error'), 'invalid_request');
    assert.match(callback.last().get('error_description')!, /AADSTS9002325/);
  });

  it('refuses a tampered sign-in form', async () => {
    const signIn = await browser.open(authorizeUrl('User.Read', pkce().challenge));
    const tampered = signIn.html.replace(
      /name="interaction" value="([^".]+)\.([^".]+)\./,
      'name="interaction" value="$1.e30.',
    );
    const page = await browser.submit(
      { ...signIn, html: tampered },
      { username: adele.userPrincipalName, password: PASSWORD },
    );
    assert.equal(page.status, 400);
    assert.match(page.html, /expired or was altered/);
  });
});

describe('key rotation', () => {
  it('keeps old tokens valid after a rotation, signs new ones with the new key, and drops the old key once its tokens expire', async () => {
    let now = Date.now();
    const keys = await SigningKeys.open(h.store.keys, () => now);
    const oldKid = (await keys.signingKey()).kid;
    const oldToken = await h.delegatedToken(tenant, adele, ['User.Read']);
    assert.equal(decodeProtectedHeader(oldToken).kid, oldKid);

    const rotated = await keys.rotate();
    assert.deepEqual(rotated.retired, [oldKid]);
    // The harness's own key set signs the next token: it must pick up the rotation from the store.
    const fresh = await SigningKeys.open(h.store.keys);
    assert.equal((await fresh.signingKey()).kid, rotated.kid);
    const newToken = await mintDelegatedToken(
      fresh,
      { tenant, user: adele, scopes: ['User.Read'] },
      { issuerBase: h.issuerBase, audience: 'https://graph.microsoft.com', lifetimeSeconds: 600 },
    );
    assert.equal(decodeProtectedHeader(newToken).kid, rotated.kid);
    for (const token of [oldToken, newToken]) {
      assert.equal((await h.request('GET', '/v1.0/me/photo', { token })).status, 200);
    }
    const both = await keys.publicKeySet();
    assert.deepEqual(both.keys.map((k) => k.kid).sort(), [oldKid, rotated.kid].sort());

    // An hour and a bit later every token of the old key has expired: it is not published, and gone.
    now += 2 * 3600 * 1000;
    assert.deepEqual(
      (await keys.publicKeySet()).keys.map((k) => k.kid),
      [rotated.kid],
    );
    assert.deepEqual(await keys.prune(), [oldKid]);
    assert.equal(
      (await h.store.keys.listSigningKeys()).some((k) => k.kid === oldKid),
      false,
    );
  });
});
