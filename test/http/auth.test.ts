// Token verification over HTTPS (SPEC §5): every forged, stale or misdirected token is a 401
// InvalidAuthenticationToken with a WWW-Authenticate challenge, and changes nothing.
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { base64url, generateKeyPair, type JWK, SignJWT } from 'jose';
import { issuerFor } from '../../src/auth/token-issuer.js';
import type { User } from '../../src/domain/directory.js';
import type { Tenant } from '../../src/domain/tenant.js';
import { portrait } from '../support/cli.js';
import { Harness } from '../support/harness.js';
import { solidJpeg } from '../support/images.js';

let h: Harness;
let tenant: Tenant;
let user: User;
let photoEtag: string;

const now = () => Math.floor(Date.now() / 1000);

function claims(overrides: Record<string, unknown> = {}) {
  return {
    iss: issuerFor(h.issuerBase, tenant.id),
    aud: 'https://graph.microsoft.com',
    tid: tenant.id,
    oid: user.id,
    sub: user.id,
    scp: 'User.ReadWrite',
    idtyp: 'user',
    iat: now(),
    nbf: now(),
    exp: now() + 3600,
    ...overrides,
  };
}

/** Signs with Portrait's own active key unless another is given. */
async function forge(overrides: Record<string, unknown> = {}, header: Record<string, unknown> = {}) {
  const { kid, privateKey } = await h.keys.signingKey();
  return new SignJWT(claims(overrides))
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid, ...header })
    .sign(privateKey);
}

const unsigned = (header: object, payload: object) =>
  `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}.`;

async function expect401(authorization: string | undefined, what: string) {
  const headers: Record<string, string> = { 'content-type': 'image/jpeg' };
  if (authorization !== undefined) headers['authorization'] = authorization;
  for (const [method, body] of [
    ['GET', undefined],
    ['PUT', await solidJpeg(60, 60, [1, 2, 3])],
  ] as const) {
    const reply = await h.request(method, '/v1.0/me/photo/$value', { headers, ...(body ? { body } : {}) });
    assert.equal(reply.status, 401, `${what} (${method}): ${reply.body}`);
    assert.equal(reply.json().error.code, 'InvalidAuthenticationToken', what);
    assert.match(reply.headers['www-authenticate']!, /^Bearer /, what);
  }
  const current = await h.request('GET', '/v1.0/me/photo/$value', {
    token: await h.delegatedToken(tenant, user, ['User.Read']),
  });
  assert.equal(current.headers['etag'], photoEtag, `${what} changed nothing`);
}

before(async () => {
  h = await Harness.start();
  tenant = await h.tenant('auth');
  user = await h.user(tenant, 'victim');
  const put = await h.request('PUT', '/v1.0/me/photo/$value', {
    token: await h.delegatedToken(tenant, user, ['User.ReadWrite']),
    body: await solidJpeg(100, 100),
    headers: { 'content-type': 'image/jpeg' },
  });
  photoEtag = put.headers['etag']!;
});

after(() => h.close());

describe('tokens that are refused', () => {
  it('accepts the genuine article (the control case)', async () => {
    const reply = await h.request('GET', '/v1.0/me/photo/$value', { token: await forge() });
    assert.equal(reply.status, 200);
  });

  it('refuses a request without a token, or without the Bearer scheme', async () => {
    await expect401(undefined, 'no header');
    await expect401('', 'empty header');
    await expect401('Bearer', 'scheme only');
    await expect401(`Basic ${Buffer.from('adele:secret').toString('base64')}`, 'basic auth');
  });

  it('refuses malformed tokens', async () => {
    await expect401('Bearer not-a-jwt', 'garbage');
    await expect401('Bearer a.b.c', 'three garbage parts');
    await expect401(`Bearer ${(await forge()).split('.').slice(0, 2).join('.')}`, 'no signature part');
  });

  it('refuses alg "none"', async () => {
    const { kid } = await h.keys.signingKey();
    await expect401(`Bearer ${unsigned({ alg: 'none', typ: 'JWT', kid }, claims())}`, 'alg none');
  });

  it('refuses an HS256 token keyed with the public key', async () => {
    const { kid } = await h.keys.signingKey();
    const jwk = (await h.keys.publicKeySet()).keys.find((k) => k.kid === kid)! as JWK;
    const pem = createPublicKey({ key: jwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    for (const secret of [Buffer.from(pem), Buffer.from(JSON.stringify(jwk))]) {
      const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid }).sign(secret);
      await expect401(`Bearer ${token}`, 'HS256 with the public key');
    }
  });

  it("refuses a token signed by someone else's key, with an unknown or a borrowed kid", async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const { kid } = await h.keys.signingKey();
    for (const useKid of ['unknown-kid', kid]) {
      const token = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'RS256', kid: useKid })
        .sign(privateKey);
      await expect401(`Bearer ${token}`, `foreign key, kid ${useKid}`);
    }
  });

  it('refuses a tampered payload, also when the genuine token was verified a moment before', async () => {
    const genuine = await forge({ scp: 'User.Read' });
    // Remembered tokens are found by their signature's last characters (token-verifier.ts): the
    // tampered one shares them, and must still be verified whole.
    const read = await h.request('GET', '/v1.0/me/photo/$value', {
      headers: { authorization: `Bearer ${genuine}` },
    });
    assert.equal(read.status, 200, read.body.toString());
    const [header, , signature] = genuine.split('.');
    const payload = base64url.encode(JSON.stringify(claims({ scp: 'User.ReadWrite' })));
    await expect401(`Bearer ${header}.${payload}.${signature}`, 'tampered payload');
  });

  it('refuses an expired token and one not valid yet, beyond the clock skew', async () => {
    await expect401(
      `Bearer ${await forge({ iat: now() - 7200, nbf: now() - 7200, exp: now() - 120 })}`,
      'expired',
    );
    await expect401(`Bearer ${await forge({ nbf: now() + 600 })}`, 'nbf in the future');
  });

  it('tolerates a small clock skew', async () => {
    const token = await forge({ exp: now() - 10 });
    assert.equal((await h.request('GET', '/v1.0/me/photo/$value', { token })).status, 200);
  });

  it('refuses the wrong audience, and accepts Graph by URI and by app id', async () => {
    await expect401(`Bearer ${await forge({ aud: 'api://some-other-api' })}`, 'wrong audience');
    const byAppId = await forge({ aud: '00000003-0000-0000-c000-000000000000' });
    assert.equal((await h.request('GET', '/v1.0/me/photo/$value', { token: byAppId })).status, 200);
  });

  it('refuses an untrusted issuer, even signed with our key', async () => {
    await expect401(
      `Bearer ${await forge({ iss: `https://login.evil.example/${tenant.id}/v2.0` })}`,
      'untrusted issuer',
    );
    const other = await h.tenant();
    await expect401(
      `Bearer ${await forge({ iss: issuerFor(h.issuerBase, other.id) })}`,
      "another tenant's issuer",
    );
  });

  it('refuses a tenant the service does not know, and a user that no longer exists', async () => {
    const ghost = '11111111-2222-3333-4444-555555555555';
    await expect401(
      `Bearer ${await forge({ tid: ghost, iss: issuerFor(h.issuerBase, ghost) })}`,
      'unknown tenant',
    );
    const leaver = await h.user(tenant, 'leaver');
    const token = await h.delegatedToken(tenant, leaver, ['User.Read']);
    await h.store.directory.deleteUser(tenant.id, leaver.id);
    await expect401(`Bearer ${token}`, 'deleted user');
  });

  it("stops a deleted user's token at once, though it was verified and remembered, when another process deletes them", async () => {
    const leaver = await h.user(tenant, 'quitter');
    const token = await h.delegatedToken(tenant, leaver, ['User.Read']);
    assert.equal((await h.request('GET', '/v1.0/me', { token })).status, 200, 'verified and remembered');
    const deleted = await portrait(['user', 'delete', '--tenant', tenant.name, leaver.id, ...h.storeArgs]);
    assert.equal(deleted.code, 0, deleted.stderr);
    await expect401(`Bearer ${token}`, 'deleted by the CLI');
  });

  it('refuses a token over 16 KB', async () => {
    const huge = await forge({ padding: 'x'.repeat(17 * 1024) });
    await expect401(`Bearer ${huge}`, '17 KB token');
  });
});
