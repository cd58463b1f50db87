// An outside identity provider (--trust-issuer): oidc-provider runs as a real IdP issuing JWT
// access tokens (RFC 9068), discovered over HTTP. Its app tokens carry roles, its user tokens an
// email that maps to a directory user; its keys are fetched, cached and refetched on rotation.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import Provider from 'oidc-provider';
import { request } from 'undici';
import { parseTrustedIssuer } from '../../src/auth/external-issuer.js';
import type { User } from '../../src/domain/directory.js';
import type { Tenant } from '../../src/domain/tenant.js';
import { Callback, pkce } from '../support/browser.js';
import { Harness } from '../support/harness.js';
import { solidJpeg } from '../support/images.js';
import { PROVIDER_TTL, withoutDevelopmentWarnings } from '../support/upstream-idp.js';

const GRAPH = 'https://graph.microsoft.com';

/** An oidc-provider IdP on loopback whose keys can be swapped while it keeps its issuer URL. */
class IdentityProvider {
  jwksFetches = 0;
  private handler?: (req: IncomingMessage, res: ServerResponse) => void;
  private constructor(
    private readonly server: Server,
    readonly issuer: string,
    private readonly redirectUri: string,
  ) {}

  static async start(redirectUri: string): Promise<IdentityProvider> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const idp = new IdentityProvider(server, `http://127.0.0.1:${port}`, redirectUri);
    server.on('request', (req, res) => {
      if (req.url?.startsWith('/jwks')) idp.jwksFetches++;
      idp.handler!(req, res);
    });
    return idp;
  }

  /** (Re)configures the provider with these signing keys; the first one signs. */
  async useKeys(keys: JWK[]): Promise<void> {
    const provider = withoutDevelopmentWarnings(
      () =>
        new Provider(this.issuer, {
          clients: [
            {
              client_id: 'sync-service',
              client_secret: 'sync-service-secret',
              grant_types: ['client_credentials'],
              redirect_uris: [],
              response_types: [],
            },
            {
              client_id: 'photo-web',
              client_secret: 'photo-web-secret',
              grant_types: ['authorization_code'],
              response_types: ['code'],
              redirect_uris: [this.redirectUri],
            },
          ],
          jwks: { keys },
          ttl: PROVIDER_TTL,
          features: {
            clientCredentials: { enabled: true },
            devInteractions: { enabled: true },
            resourceIndicators: {
              enabled: true,
              defaultResource: () => GRAPH,
              useGrantedResource: () => true,
              getResourceServerInfo: () => ({
                scope: 'User.Read ProfilePhoto.Read.All',
                audience: GRAPH,
                accessTokenFormat: 'jwt',
                accessTokenTTL: 600,
              }),
            },
          },
          // Keycloak-style claims: application roles for the service, the user's email for people.
          extraTokenClaims: async (_ctx, token) =>
            token.kind === 'ClientCredentials'
              ? { realm_access: { roles: ['ProfilePhoto.ReadWrite.All'] } }
              : { email: (token as { accountId?: string }).accountId },
          findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub, email: sub }) }),
          cookies: { keys: ['test-cookie-key'] },
        }),
    );
    this.handler = provider.callback();
  }

  async appToken(): Promise<string> {
    const response = await request(`${this.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('sync-service:sync-service-secret').toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        resource: GRAPH,
        scope: 'ProfilePhoto.Read.All',
      }).toString(),
    });
    const body = (await response.body.json()) as { access_token?: string };
    if (!body.access_token) throw new Error(`no token: ${JSON.stringify(body)}`);
    return body.access_token;
  }

  /** A person signs in through the provider's own pages; returns their JWT access token. */
  async userToken(login: string, callback: Callback): Promise<string> {
    const { verifier, challenge } = pkce();
    const jar = new Map<string, string>();
    const params = new URLSearchParams({
      client_id: 'photo-web',
      response_type: 'code',
      redirect_uri: this.redirectUri,
      scope: 'openid User.Read ProfilePhoto.Read.All',
      resource: GRAPH,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    let url = `${this.issuer}/auth?${params}`;
    let method = 'GET';
    let body: string | undefined;
    for (let hop = 0; hop < 20; hop++) {
      const response = await request(url, {
        method: method as 'GET',
        headers: {
          cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
          ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(body ? { body } : {}),
      });
      for (const cookie of [response.headers['set-cookie'] ?? []].flat()) {
        const [pair] = cookie.split(';');
        const [name, value] = pair!.split('=') as [string, string];
        jar.set(name, value);
      }
      const text = await response.body.text();
      const location = response.headers['location'];
      if (location) {
        url = new URL(String(location), url).toString();
        method = 'GET';
        body = undefined;
        if (url.startsWith(this.redirectUri)) break;
        continue;
      }
      const form = /action="([^"]+)"/.exec(text)?.[1];
      const prompt = /name="prompt" value="(\w+)"/.exec(text)?.[1];
      if (!form || !prompt) throw new Error(`unexpected page: ${text.slice(0, 500)}`);
      url = new URL(form, url).toString();
      method = 'POST';
      body = new URLSearchParams(
        prompt === 'login' ? { prompt, login, password: 'any' } : { prompt },
      ).toString();
    }
    assert.ok(url.startsWith(this.redirectUri), `ended at ${url}`);
    await request(url).then((r) => r.body.dump());
    const code = callback.last().get('code')!;
    const response = await request(`${this.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: this.redirectUri,
        code_verifier: verifier,
        client_id: 'photo-web',
        client_secret: 'photo-web-secret',
        resource: GRAPH,
      }).toString(),
    });
    const tokens = (await response.body.json()) as { access_token?: string };
    if (!tokens.access_token) throw new Error(`no token: ${JSON.stringify(tokens)}`);
    return tokens.access_token;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function signingJwk(kid: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
}

let idp: IdentityProvider;
let callback: Callback;
let h: Harness;
let tenant: Tenant;
let adele: User;
let firstKey: JWK;

before(async () => {
  callback = await Callback.start();
  idp = await IdentityProvider.start(callback.url);
  firstKey = await signingJwk('key-1');
  await idp.useKeys([firstKey]);
  h = await Harness.start({
    trustIssuers: [
      parseTrustedIssuer(`${idp.issuer} tenant=acme roles-claim=realm_access.roles jwks-cooldown=1`),
    ],
  });
  tenant = await h.tenant('acme');
  adele = await h.store.directory.createUser({
    tenantId: tenant.id,
    userPrincipalName: 'adele@acme.example',
    displayName: 'Adele Vance',
    mail: 'adele@acme.example',
  });
  await h.store.photos.replacePhotoSet(tenant.id, adele.id, [
    { width: 48, height: 48, contentType: 'image/jpeg', bytes: await solidJpeg(48, 48) },
  ]);
});

after(async () => {
  await h.close();
  await idp.close();
  await callback.close();
});

describe('an external OIDC issuer', () => {
  it("accepts the provider's app tokens, with roles read from the configured claim", async () => {
    const token = await idp.appToken();
    const claims = decodeJwt(token);
    assert.equal(claims.iss, idp.issuer);
    assert.equal(claims.aud, GRAPH);
    const read = await h.request('GET', `/v1.0/users/${adele.userPrincipalName}/photo/$value`, { token });
    assert.equal(read.status, 200, read.body.toString());
    const write = await h.request('PUT', `/v1.0/users/${adele.id}/photo/$value`, {
      token,
      body: await solidJpeg(80, 80),
      headers: { 'content-type': 'image/jpeg' },
    });
    assert.equal(write.status, 200, 'realm_access.roles carries ProfilePhoto.ReadWrite.All');
  });

  it("maps a signed-in person's token to the directory user by email, with the token's scopes", async () => {
    const token = await idp.userToken('adele@acme.example', callback);
    assert.equal(decodeJwt(token)['email'], 'adele@acme.example');
    const me = await h.request('GET', '/v1.0/me/photo', { token });
    assert.equal(me.status, 200, me.body.toString());
    assert.equal(me.json()['@odata.context'].includes(adele.id), true);
    const write = await h.request('PUT', '/v1.0/me/photo/$value', {
      token,
      body: await solidJpeg(80, 80),
      headers: { 'content-type': 'image/jpeg' },
    });
    assert.equal(write.status, 403, 'User.Read does not write');
  });

  it('refuses a person the directory does not know', async () => {
    const token = await idp.userToken('mallory@elsewhere.example', callback);
    const reply = await h.request('GET', '/v1.0/me/photo', { token });
    assert.equal(reply.status, 401);
    assert.match(reply.json().error.message, /not a user of tenant 'acme'/);
  });

  it('refetches its keys when the provider rotates', async () => {
    const before = idp.jwksFetches;
    await idp.useKeys([await signingJwk('key-2'), firstKey]);
    const rotated = await idp.appToken();
    assert.equal(decodeProtectedHeader(rotated).kid, 'key-2');
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past the 1 s cooldown configured here
    assert.equal((await h.request('GET', `/v1.0/users/${adele.id}/photos`, { token: rotated })).status, 200);
    assert.equal(idp.jwksFetches, before + 1, 'one refetch for the new kid');
  });

  it('fetches the keys once for any number of forged kids within the cooldown', async () => {
    // A server of its own whose cooldown (an hour) outlasts the test however slow the machine is:
    // with the 1 s one above, a loaded machine let the cooldown pass mid-loop and fetch again.
    const patient = await Harness.start({
      trustIssuers: [
        parseTrustedIssuer(`${idp.issuer} tenant=acme roles-claim=realm_access.roles jwks-cooldown=3600`),
      ],
    });
    try {
      const acme = await patient.tenant('acme');
      const forged = await Promise.all(
        [0, 1, 2, 3, 4].map(async (i) => {
          const { privateKey } = await generateKeyPair('RS256');
          return new SignJWT({ realm_access: { roles: ['ProfilePhoto.ReadWrite.All'] }, sub: 'x' })
            .setProtectedHeader({ alg: 'RS256', kid: `forged-${i}` })
            .setIssuer(idp.issuer)
            .setAudience(GRAPH)
            .setExpirationTime('5m')
            .sign(privateKey);
        }),
      );
      const fetchesBefore = idp.jwksFetches;
      for (const token of forged) {
        const reply = await patient.request('GET', `/v1.0/users/x@${acme.name}.example/photos`, { token });
        assert.equal(reply.status, 401);
      }
      assert.equal(idp.jwksFetches - fetchesBefore, 1, 'the first unknown kid fetches; the rest wait');
    } finally {
      await patient.close();
    }
  });

  it("refuses tokens of the provider's issuer signed any other way", async () => {
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(
      JSON.stringify({
        iss: idp.issuer,
        aud: GRAPH,
        sub: 'x',
        exp: Math.floor(Date.now() / 1000) + 60,
        realm_access: { roles: ['ProfilePhoto.ReadWrite.All'] },
      }),
    ).toString('base64url')}.`;
    const hmac = await new SignJWT({ realm_access: { roles: ['ProfilePhoto.ReadWrite.All'] }, sub: 'x' })
      .setProtectedHeader({ alg: 'HS256', kid: 'key-1' })
      .setIssuer(idp.issuer)
      .setAudience(GRAPH)
      .setExpirationTime('5m')
      .sign(Buffer.from(JSON.stringify({ kty: firstKey.kty, n: firstKey.n, e: firstKey.e })));
    const wrongAudience = await new SignJWT({ sub: 'x' })
      .setProtectedHeader({ alg: 'RS256', kid: 'key-1' })
      .setIssuer(idp.issuer)
      .setAudience('api://something-else')
      .setExpirationTime('5m')
      .sign(await (await import('jose')).importJWK(firstKey, 'RS256'));
    for (const token of [unsigned, hmac, wrongAudience]) {
      const reply = await h.request('GET', `/v1.0/users/${adele.id}/photos`, { token });
      assert.equal(reply.status, 401);
      assert.equal(reply.json().error.code, 'InvalidAuthenticationToken');
    }
  });
});

describe('--trust-issuer settings', () => {
  it('parses the issuer URL and its mapping, and refuses unknown settings', () => {
    assert.deepEqual(
      parseTrustedIssuer(
        'https://idp.example/realms/acme tenant=acme audience=api://portrait user-claim=email',
      ),
      {
        issuer: 'https://idp.example/realms/acme',
        tenant: 'acme',
        audiences: ['api://portrait'],
        userClaim: 'email',
      },
    );
    assert.throws(() => parseTrustedIssuer('https://idp.example colour=blue'), /unknown/);
    assert.throws(() => parseTrustedIssuer('idp.example'), /issuer URL comes first/);
  });
});
