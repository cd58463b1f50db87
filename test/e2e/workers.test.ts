// `portrait serve --workers 2`: one port, two processes, one store. A write through one worker is
// read back through the other at once; SIGTERM stops them all.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { Agent, request } from 'undici';
import { portrait, type ServeProcess, serve } from '../support/cli.js';
import { solidJpeg } from '../support/images.js';

let dataDir: string;
let server: ServeProcess;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'portrait-workers-'));
  server = await serve(['--port', '0', '--data', dataDir, '--workers', '2', '--log-level', 'warn']);
});

after(async () => {
  assert.equal(await server.stop(), 0, 'the primary exits cleanly on SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
});

it('serves from every worker, and each sees the others’ writes at once', async () => {
  assert.match(server.output(), /listening on https:\/\/localhost:\d+ \(2 workers\)/);
  const token = (
    await portrait([
      'token',
      '--data',
      dataDir,
      '--tenant',
      'contoso',
      '--user',
      'adele@contoso.onmicrosoft.com',
      '--scopes',
      'User.ReadWrite',
    ])
  ).stdout.trim();
  const ca = readFileSync(join(dataDir, 'tls', 'ca.pem'));
  // Separate connections are spread over the workers; use many, and a fresh one per request.
  const fresh = () => new Agent({ connect: { ca }, pipelining: 0 });
  for (let round = 0; round < 6; round++) {
    const colour = [round * 40, 255 - round * 40, 100] as [number, number, number];
    const writer = fresh();
    const put = await request(`${server.url}/v1.0/me/photo/$value`, {
      method: 'PUT',
      body: await solidJpeg(120, 120, colour),
      headers: { authorization: `Bearer ${token}`, 'content-type': 'image/jpeg' },
      dispatcher: writer,
    });
    await put.body.dump();
    assert.equal(put.statusCode, 200);
    const etag = put.headers['etag'];
    await writer.close();
    const reads = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const reader = fresh();
        const response = await request(`${server.url}/v1.0/me/photo`, {
          headers: { authorization: `Bearer ${token}` },
          dispatcher: reader,
        });
        const body = (await response.body.json()) as { '@odata.mediaEtag': string };
        await reader.close();
        return body['@odata.mediaEtag'];
      }),
    );
    assert.deepEqual(reads, Array(4).fill(etag), `round ${round}: every worker reads the new photo`);
  }
});
