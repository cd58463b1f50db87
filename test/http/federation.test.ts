// Sign-in through the organisation's OpenID provider (SPEC §12), over HTTP: a real upstream
// (oidc-provider) and Portrait's real pages, walked by a cookie-keeping client. An app asks
// Portrait to sign a person in; Portrait sends them to the provider and back, finds or makes the
// person, and gives the app its code, as after a password.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { type Dispatcher, request } from 'undici';
import { DIRECTORY_ROLES } from '../../src/auth/directory-roles.js';
import type { Tenant } from '../../src/domain/tenant.js';
import { createApp, grantConsent } from '../../src/services/app-service.js';
import { Harness } from '../support/harness.js';
import { UpstreamIdp, walkSignIn } from '../support/upstream-idp.js';

const APP_REDIRECT = 'https://photos.acme.example/callback';
const SECRET_ENV = 'PORTRAIT_TEST_ACME_SECRET';
const PEOPLE_ADMIN = DIRECTORY_ROLES.peopleAdministrator.templateId;
const GLOBAL_READER = DIRECTORY_ROLES.globalReader.templateId;

let h: Harness;
let idp: UpstreamIdp;
let tenant: Tenant;
let clientId: string;
let clientSecret: string;
let browserAgent: Dispatcher;

const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

async function useProvider(options: string): Promise<void> {
  tenant = await idp.useFor(h.store, tenant, `name='Acme SSO' ${options}`);
}

/** The app's authorize request, walked through Portrait and the provider as `login`. */
async function signIn(login: string, rewrite?: (url: string) => string) {
  const { verifier, challenge } = pkce();
  const query = new URLSearchParams({
    client_id: clientId,
    redirect_uri: APP_REDIRECT,
    response_type: 'code',
    scope: 'openid User.Read',
    state: 'app-state',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  const run = await walkSignIn({
    start: `${h.url}/${tenant.id}/oauth2/v2.0/authorize?${query}`,
    login,
    stopAt: APP_REDIRECT,
    dispatcher: browserAgent,
    ...(rewrite ? { rewrite } : {}),
  });
  return { run, verifier };
}

/** The app redeems its code at Portrait's token endpoint; the access token's claims. */
async function redeem(url: string, verifier: string) {
  const code = new URL(url).searchParams.get('code');
  assert.ok(code, `no code in ${url}`);
  assert.equal(new URL(url).searchParams.get('state'), 'app-state');
  const response = await request(`${h.url}/${tenant.id}/oauth2/v2.0/token`, {
    method: 'POST',
    dispatcher: h.agent,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: APP_REDIRECT,
      code_verifier: verifier,
      client_id: clientId,
      client_secret: clientSecret,
    }).toString(),
  });
  const tokens = (await response.body.json()) as { access_token?: string };
  assert.ok(tokens.access_token, JSON.stringify(tokens));
  return { token: tokens.access_token, claims: decodeJwt(tokens.access_token) };
}

before(async () => {
  h = await Harness.start();
  tenant = await h.tenant('acme');
  idp = await UpstreamIdp.forPortrait(h.url, tenant, SECRET_ENV);
  // The walk below uses one client for both: it trusts Portrait's CA and the provider's.
  browserAgent = idp.trustInThisProcess(...(h.server.ca ? [h.server.ca] : []));
  const created = await createApp(h.store.apps, { tenant, name: 'photo-web', redirectUris: [APP_REDIRECT] });
  await grantConsent(h.store.apps, created.app, { scopes: ['User.Read'] });
  clientId = created.app.appId;
  clientSecret = created.secret!;
  idp.people.set('nina@acme.example', {
    sub: 'nina@acme.example',
    email: 'nina@acme.example',
    email_verified: true,
    name: 'Nina Lopez',
    groups: ['photo-admins'],
  });
  await useProvider(
    "provision=jit scopes='openid profile email groups' roles-claim=groups role-map='photo-admins=People Administrator'",
  );
});

after(async () => {
  await h.close();
  await idp.close();
});

describe('sign-in through the organisation provider', () => {
  it('offers "Sign in with Acme SSO", creates the person on first sign-in and maps their role', async () => {
    const { run, verifier } = await signIn('nina@acme.example');
    assert.equal(run.status, 302, `${run.url}\n${run.body.slice(0, 400)}`);
    assert.ok(
      run.visited.some((u) => u.startsWith(idp.issuer)),
      'went to the provider',
    );
    const { token, claims } = await redeem(run.url, verifier);
    const nina = await h.store.directory.findUser(tenant.id, 'nina@acme.example');
    assert.ok(nina, 'created just in time');
    assert.equal(nina.displayName, 'Nina Lopez');
    assert.equal(nina.mail, 'nina@acme.example');
    assert.deepEqual(nina.directoryRoles, [PEOPLE_ADMIN]);
    assert.equal(claims['oid'], nina.id);
    const me = await h.request('GET', '/v1.0/me', { token });
    assert.equal(me.json().userPrincipalName, 'nina@acme.example');
  });

  it('at the next sign-in, refreshes the name and sets mapped roles from the claim, leaving others alone', async () => {
    const nina = (await h.store.directory.findUser(tenant.id, 'nina@acme.example'))!;
    await h.store.directory.updateUser(tenant.id, nina.id, { directoryRoles: [PEOPLE_ADMIN, GLOBAL_READER] });
    idp.people.set('nina@acme.example', {
      ...idp.people.get('nina@acme.example')!,
      name: 'Nina L.',
      groups: [],
    });
    const { run } = await signIn('nina@acme.example');
    assert.equal(run.status, 302, run.body.slice(0, 400));
    const after = (await h.store.directory.findUser(tenant.id, nina.id))!;
    assert.equal(after.displayName, 'Nina L.');
    assert.deepEqual(after.directoryRoles, [GLOBAL_READER], 'the mapped role went; the other stayed');
  });

  it('with provision=existing, turns an unknown person away on a page, creating nothing', async () => {
    await useProvider('provision=existing');
    idp.people.set('omar@acme.example', {
      sub: 'omar@acme.example',
      email: 'omar@acme.example',
      email_verified: true,
    });
    const { run } = await signIn('omar@acme.example');
    assert.equal(run.status, 403);
    assert.match(run.body, /not in this organisation(&#39;|')s directory/);
    assert.match(run.body, /Start again/);
    assert.equal(await h.store.directory.findUser(tenant.id, 'omar@acme.example'), undefined);
  });

  it('turns away a person whose account is disabled in the directory', async () => {
    await useProvider('provision=jit');
    const user = await h.store.directory.createUser({
      tenantId: tenant.id,
      userPrincipalName: 'lars@acme.example',
      displayName: 'Lars',
      accountEnabled: false,
    });
    idp.people.set('lars@acme.example', {
      sub: 'lars@acme.example',
      email: 'lars@acme.example',
      email_verified: true,
    });
    const { run } = await signIn('lars@acme.example');
    assert.equal(run.status, 403);
    assert.match(run.body, /Your account is disabled, so you cannot sign in/);
    assert.equal((await h.store.directory.findUser(tenant.id, user.id))?.accountEnabled, false);
  });

  it('refuses an e-mail address the provider has not verified', async () => {
    await useProvider('provision=jit');
    idp.people.set('eve@acme.example', {
      sub: 'eve@acme.example',
      email: 'eve@acme.example',
      email_verified: false,
    });
    const { run } = await signIn('eve@acme.example');
    assert.equal(run.status, 403);
    assert.match(run.body, /has not verified your e-mail address/);
    assert.equal(await h.store.directory.findUser(tenant.id, 'eve@acme.example'), undefined);
  });

  it("ends a callback whose state is not this browser's on a page, never a 500", async () => {
    const { run } = await signIn('nina@acme.example', (url) =>
      url.includes('/federation/callback') ? url.replace(/state=[^&]+/, 'state=forged') : url,
    );
    assert.equal(run.status, 400);
    assert.match(run.body, /does not belong to a sign-in started in this browser/);
    assert.match(run.body, /Start again/);
  });

  it('ends an error from the provider on a page that says so', async () => {
    const { run } = await signIn('nina@acme.example', (url) =>
      url.includes('/federation/callback')
        ? url.replace(/code=[^&]+/, 'error=access_denied&error_description=User%20cancelled')
        : url,
    );
    assert.equal(run.status, 403);
    assert.match(run.body, /Acme SSO did not sign you in \(access_denied: User cancelled\)/);
  });

  it('ends an ID token that fails its signature check on a page, creating nothing', async () => {
    idp.people.set('mallory@acme.example', {
      sub: 'mallory@acme.example',
      email: 'mallory@acme.example',
      email_verified: true,
    });
    // The token endpoint's ID token, its payload changed after signing: a Global Administrator's e-mail.
    idp.tamperIdToken = (idToken) => {
      const [header, payload, signature] = idToken.split('.');
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
      claims.email = 'nina@acme.example';
      return [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
    };
    try {
      const { run } = await signIn('mallory@acme.example');
      assert.equal(run.status, 502, run.body.slice(-600));
      assert.match(run.body, /failed Portrait(&#39;|')s checks/);
      assert.equal(await h.store.directory.findUser(tenant.id, 'mallory@acme.example'), undefined);
    } finally {
      delete idp.tamperIdToken;
    }
  });

  it("says the server lacks the provider's secret on a page, when its variable is not set", async () => {
    const secret = process.env[SECRET_ENV];
    delete process.env[SECRET_ENV];
    try {
      const { run } = await signIn('nina@acme.example');
      assert.equal(run.status, 503);
      assert.match(run.body, new RegExp(`environment variable ${SECRET_ENV} is not set`));
    } finally {
      process.env[SECRET_ENV] = secret;
    }
  });

  it('with passwords=off, goes straight to the provider and refuses a password', async () => {
    await useProvider('provision=jit passwords=off');
    const { run } = await signIn('nina@acme.example');
    assert.equal(run.status, 302, run.body.slice(0, 400));
    const portraitPages = run.visited.filter(
      (u) => u.startsWith(h.url) && u.includes('/oauth2/v2.0/authorize'),
    );
    assert.equal(portraitPages.length, 1, 'no sign-in page of Portrait was shown');
    const refused = await h.request('POST', `/${tenant.id}/oauth2/v2.0/authorize`, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'step=login&username=nina%40acme.example&password=whatever',
    });
    assert.equal(refused.status, 403);
    assert.match(
      refused.body.toString(),
      /Password sign-in is off for this organisation: sign in with Acme SSO/,
    );
  });

  it('says so on a page when the provider does not answer within 10 s', { timeout: 60_000 }, async () => {
    await useProvider('provision=jit');
    idp.people.set('zoe@acme.example', {
      sub: 'zoe@acme.example',
      email: 'zoe@acme.example',
      email_verified: true,
    });
    try {
      idp.stallTokenMs = 12_000;
      const { run } = await signIn('zoe@acme.example');
      assert.equal(run.status, 504, run.body.slice(-600));
      assert.match(run.body, /Acme SSO did not answer in time/);
      assert.equal(await h.store.directory.findUser(tenant.id, 'zoe@acme.example'), undefined);
    } finally {
      idp.stallTokenMs = 0;
    }
  });
});
