// Requests that never reach a route still get Graph's answer (SPEC §9): HTTP Node's own parser
// refuses, and tokens with bytes that cannot go into a header. The server keeps serving.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { Harness } from '../support/harness.js';

let h: Harness;

before(async () => {
  h = await Harness.start();
});

after(() => h.close());

/** Sends raw bytes over TLS and returns everything the server answers before it closes. */
function raw(request: string): Promise<string> {
  const { port } = new URL(h.url);
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1',
      port: Number(port),
      ca: readFileSync(h.server.caPath!),
      servername: 'localhost',
    });
    let answer = '';
    socket.on('secureConnect', () => socket.write(request));
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
  });
}

function parse(answer: string) {
  const [head, body = ''] = answer.split('\r\n\r\n');
  const [statusLine, ...headers] = head!.split('\r\n');
  return {
    status: Number(statusLine!.split(' ')[1]),
    headers: Object.fromEntries(
      headers.map((h) => [h.split(':')[0]!.toLowerCase(), h.slice(h.indexOf(':') + 1).trim()]),
    ),
    body: JSON.parse(body),
  };
}

const serving = async () => assert.equal((await h.request('GET', '/healthz')).status, 200);

describe("what Node's HTTP parser refuses", () => {
  it('answers conflicting Content-Length and Transfer-Encoding with a Graph 400', async () => {
    const reply = parse(
      await raw(
        'POST /v1.0/$batch HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      ),
    );
    assert.equal(reply.status, 400);
    assert.equal(reply.body.error.code, 'BadRequest');
    assert.equal(reply.headers['request-id'], reply.body.error.innerError['request-id']);
    await serving();
  });

  it('answers headers over the limit with a Graph 431', async () => {
    const reply = parse(
      await raw(`GET /v1.0/me HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(80 * 1024)}\r\n\r\n`),
    );
    assert.equal(reply.status, 431);
    assert.match(reply.body.error.message, /headers are larger/);
    await serving();
  });

  it('answers a line that is not HTTP with a Graph 400', async () => {
    const reply = parse(await raw('GET /v1.0/me HTTP/1.1\r\nHost localhost\r\n\r\n'));
    assert.equal(reply.status, 400);
    assert.equal(reply.body.error.code, 'BadRequest');
    await serving();
  });
});

describe('tokens with bytes a header cannot hold', () => {
  it('still get a 401 with a WWW-Authenticate challenge', async () => {
    for (const alg of ['RS256\r\nX-Injected: yes', 'RS256Ā', 'no\u0000ne']) {
      const header = Buffer.from(JSON.stringify({ alg, typ: 'JWT' })).toString('base64url');
      const token = `${header}.${Buffer.from('{}').toString('base64url')}.c2ln`;
      const reply = await h.request('GET', '/v1.0/me', { token });
      assert.equal(reply.status, 401, JSON.stringify(alg));
      assert.equal(reply.json().error.code, 'InvalidAuthenticationToken');
      assert.match(reply.headers['www-authenticate']!, /^Bearer /);
      assert.equal(reply.headers['x-injected'], undefined);
    }
  });
});
