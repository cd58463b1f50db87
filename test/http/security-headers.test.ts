// Security headers (issue 15): X-Content-Type-Options: nosniff on image bytes (photos, avatars)
// and every other answer; a Content-Security-Policy with frame-ancestors 'none' on every HTML
// page (console, explorer, sign-in, consent and error pages); HSTS only when Portrait itself
// serves TLS, and not for localhost names.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { CONSOLE_CLIENT_ID } from '../../src/auth/console-client.js';
import type { User } from '../../src/domain/directory.js';
import type { Tenant } from '../../src/domain/tenant.js';
import { Harness, type Reply } from '../support/harness.js';
import { noiseJpeg } from '../support/images.js';

let h: Harness;
let tenant: Tenant;
let user: User;
let token: string;

before(async () => {
  h = await Harness.start();
  tenant = await h.tenant('headers');
  user = await h.user(tenant, 'adele');
  token = await h.delegatedToken(tenant, user, ['User.ReadWrite']);
  const put = await h.request('PUT', '/v1.0/me/photo/$value', {
    token,
    body: await noiseJpeg(100, 100),
    headers: { 'content-type': 'image/jpeg' },
  });
  assert.equal(put.status, 200);
});

after(() => h.close());

const assertFramingRefused = (reply: Reply, what: string) => {
  assert.match(reply.headers['content-type'] ?? '', /^text\/html/, `${what} is a page`);
  const csp = reply.headers['content-security-policy'] ?? '';
  assert.match(csp, /(^|;\s*)frame-ancestors 'none'(;|$)/, `${what}: CSP forbids framing (${csp})`);
  assert.match(csp, /(^|;\s*)default-src /, `${what}: CSP has a default-src`);
  assert.equal(reply.headers['x-content-type-options'], 'nosniff', `${what}: nosniff`);
};

describe('image responses', () => {
  it('photo bytes, every size, carry nosniff', async () => {
    for (const path of ['/v1.0/me/photo/$value', '/v1.0/me/photos/48x48/$value', '/beta/me/photo/$value']) {
      const reply = await h.request('GET', path, { token });
      assert.equal(reply.status, 200, path);
      assert.equal(reply.headers['content-type'], 'image/jpeg', path);
      assert.equal(reply.headers['x-content-type-options'], 'nosniff', path);
    }
  });

  it('avatar images carry nosniff', async () => {
    const reply = await h.request('GET', `/avatar/${'0'.repeat(32)}?d=identicon&s=64`);
    assert.equal(reply.status, 200);
    assert.match(reply.headers['content-type'] ?? '', /^image\//);
    assert.equal(reply.headers['x-content-type-options'], 'nosniff');
  });

  it('error bodies carry nosniff too', async () => {
    const reply = await h.request('GET', '/v1.0/me/photo/$value');
    assert.equal(reply.status, 401);
    assert.equal(reply.headers['x-content-type-options'], 'nosniff');
  });
});

describe('HTML pages', () => {
  it('the console and explorer pages forbid framing', async () => {
    for (const path of ['/', '/directory', '/import', '/explorer', '/explorer/User.Read']) {
      const reply = await h.request('GET', path);
      assert.equal(reply.status, 200, path);
      assertFramingRefused(reply, path);
    }
  });

  it('the sign-in page forbids framing', async () => {
    const params = new URLSearchParams({
      client_id: CONSOLE_CLIENT_ID,
      response_type: 'code',
      redirect_uri: `${h.url}/`,
      scope: 'User.Read',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    });
    const reply = await h.request('GET', `/${tenant.name}/oauth2/v2.0/authorize?${params}`);
    assert.equal(reply.status, 200, reply.body.toString());
    assert.match(reply.body.toString(), /name="password"/);
    assertFramingRefused(reply, 'sign-in page');
  });

  it('the sign-in error page forbids framing', async () => {
    const reply = await h.request('GET', `/${tenant.name}/oauth2/v2.0/authorize?client_id=nobody`);
    assert.ok(reply.status >= 400 && reply.status < 500, String(reply.status));
    assertFramingRefused(reply, 'error page');
  });
});

/** A GET with a Host header of our choosing, over the harness's TLS. */
function getWithHost(host: string): Promise<Record<string, string | string[] | undefined>> {
  const url = new URL(h.url);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: url.hostname,
        port: url.port,
        path: '/healthz',
        ca: readFileSync(h.server.caPath!),
        // The certificate is checked against the address connected to; only the Host header differs.
        checkServerIdentity: () => undefined,
        headers: { host },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.headers));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('Strict-Transport-Security', () => {
  it('is sent when serving TLS', async () => {
    for (const path of ['/healthz', '/', '/v1.0/me/photo/$value']) {
      const reply = await h.request('GET', path, { token });
      assert.match(reply.headers['strict-transport-security'] ?? '', /^max-age=\d{7,}/, path);
    }
    const named = await getWithHost('photos.example.com');
    assert.match(String(named['strict-transport-security']), /^max-age=/);
  });

  it('is not sent for localhost, where it would capture every other development server', async () => {
    const headers = await getWithHost(`localhost:${new URL(h.url).port}`);
    assert.equal(headers['strict-transport-security'], undefined);
  });

  it('is not sent with --http, behind a proxy that owns TLS', async () => {
    const plain = await Harness.start({ http: true });
    try {
      const reply = await plain.request('GET', '/healthz');
      assert.equal(reply.status, 200);
      assert.equal(reply.headers['strict-transport-security'], undefined);
      assert.equal(reply.headers['x-content-type-options'], 'nosniff');
    } finally {
      await plain.close();
    }
  });
});
