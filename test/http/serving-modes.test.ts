// How the server can be reached (SPEC §1): HTTPS with the generated certificate (the default,
// covered everywhere else), plain HTTP behind a proxy, an operator's own certificate, and a
// public base URL for the links it writes.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { request } from 'undici';
import { LINGER } from '../../src/http/lingering-close.js';
import { ensureDevCertificate } from '../../src/tls/dev-certificate.js';
import { Harness } from '../support/harness.js';
import { openConnection, requestHead } from '../support/raw-http.js';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const cleanup of cleanups) await cleanup();
});

async function seeded(h: Harness) {
  const tenant = await h.tenant();
  const user = await h.user(tenant, 'u');
  return { user, token: await h.delegatedToken(tenant, user, ['User.Read']) };
}

describe('serving modes', () => {
  it('--http serves plain HTTP, and --base-url sets the links it writes', async () => {
    const h = await Harness.start({ http: true, baseUrl: 'https://photos.example.com' });
    cleanups.push(() => h.close());
    assert.match(h.url, /^http:\/\//);
    const { user, token } = await seeded(h);
    const reply = await request(`${h.url}/v1.0/me/photos`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(reply.statusCode, 200);
    const body = (await reply.body.json()) as { '@odata.context': string };
    assert.equal(
      body['@odata.context'],
      `https://photos.example.com/v1.0/$metadata#users('${user.id}')/photos`,
    );
  });

  it('--tls-cert and --tls-key serve the operator certificate instead of generating one', async () => {
    const certDir = mkdtempSync(join(tmpdir(), 'portrait-cert-'));
    cleanups.push(() => rmSync(certDir, { recursive: true, force: true }));
    const own = await ensureDevCertificate(certDir, ['localhost', '127.0.0.1']);
    const certPath = join(certDir, 'tls', 'server.pem');
    const keyPath = join(certDir, 'tls', 'server-key.pem');
    const h = await Harness.start({ tlsCert: certPath, tlsKey: keyPath });
    cleanups.push(() => h.close());
    assert.equal(h.server.caPath, undefined, 'no development CA is made');
    const url = new URL(h.url);
    const served = await new Promise<X509Certificate>((resolve, reject) => {
      const socket = connect(
        { host: url.hostname, port: Number(url.port), ca: readFileSync(own.caPath), servername: 'localhost' },
        () => {
          resolve(socket.getPeerX509Certificate()!);
          socket.end();
        },
      );
      socket.on('error', reject);
    });
    assert.equal(served.fingerprint256, new X509Certificate(readFileSync(certPath)).fingerprint256);
  });

  it('answers plain HTTP on the HTTPS port with a 400 that says to use https://', async () => {
    const h = await Harness.start();
    cleanups.push(() => h.close());
    const { token } = await seeded(h);
    const plain = h.url.replace(/^https:/, 'http:');
    const reply = await request(`${plain}/v1.0/me/photo?$select=id`);
    assert.equal(reply.statusCode, 400);
    assert.match(reply.headers['content-type'] as string, /^text\/plain/);
    assert.equal(
      await reply.body.text(),
      `This port speaks HTTPS, not plain HTTP: use ${h.url}/v1.0/me/photo?$select=id\n`,
    );
    // HTTPS on the same port is untouched, before and after.
    const secure = await h.request('GET', '/v1.0/me/photos', { token });
    assert.equal(secure.status, 200);
  });

  it('closes a plain HTTP connection after the hint, even when the client keeps it open', async () => {
    const h = await Harness.start();
    cleanups.push(() => h.close());
    const connections = () =>
      new Promise<number>((resolve, reject) =>
        h.server.app.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
      );
    // Half-open: the client never closes its side, and says nothing more after its request.
    const socket = await openConnection(h.url.replace(/^https:/, 'http:'));
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
    });
    socket.write(requestHead('PUT', '/v1.0/me/photo/$value', { 'content-length': '100000' }));
    const until = Date.now() + LINGER.idleMs + 2_000;
    while ((await connections()) > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    assert.match(text, /^HTTP\/1\.1 400 /);
    assert.equal(await connections(), 0, 'the server closed the connection');
    socket.destroy();
  });
});
