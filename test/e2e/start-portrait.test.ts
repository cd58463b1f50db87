// startPortrait() (SPEC §11) as a test suite uses it: a server in the test's own process, with a CA
// of its own, fixtures, tokens, reset between tests and a close that leaves nothing running. What
// must hold of a whole process (it exits by itself; nothing is written to disk) runs in a child.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { FixtureError, type Fixtures, type Portrait, startPortrait } from '../../src/index.js';
import { solidJpeg } from '../support/images.js';
import { createTestDatabase, postgresOrSkipNotice } from '../support/postgres.js';
import { expectServing } from '../support/still-serving.js';

const INDEX = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
/** tsx by its own path: the child runs in a folder with no node_modules. */
const TSX = import.meta.resolve('tsx');

const dataUrl = (bytes: Buffer) => `data:image/jpeg;base64,${bytes.toString('base64')}`;

async function fixtures(): Promise<Fixtures> {
  return {
    tenants: [
      {
        name: 'contoso',
        users: [
          {
            userPrincipalName: 'adele@contoso.example',
            displayName: 'Adele Vance',
            id: '6e7b768e-07e2-4810-8459-485f84f8f204',
            roles: ['User Administrator', 'Groups Administrator'],
            photo: dataUrl(await solidJpeg(500, 500, [200, 40, 40])),
          },
          { userPrincipalName: 'alex@contoso.example', displayName: 'Alex Wilber' },
        ],
        groups: [{ displayName: 'Sales', members: ['alex@contoso.example'], team: true }],
        apps: [{ name: 'photo-sync', roles: ['ProfilePhoto.ReadWrite.All'], granted: true }],
      },
      { name: 'fabrikam', users: [{ userPrincipalName: 'bob@fabrikam.example', displayName: 'Bob' }] },
    ],
  };
}

/** A client of one instance: trusts its CA and nothing else. */
function clientOf(portrait: Portrait) {
  const dispatcher = new Agent({ connect: portrait.ca ? { ca: portrait.ca } : {} });
  const call = async (method: string, path: string, token: string, body?: Buffer | string) => {
    const reply = await request(`${portrait.url}/v1.0${path}`, {
      method: method as 'GET',
      dispatcher,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { 'content-type': Buffer.isBuffer(body) ? 'image/jpeg' : 'application/json' } : {}),
      },
      ...(body ? { body } : {}),
    });
    const bytes = Buffer.from(await reply.body.arrayBuffer());
    return { status: reply.statusCode, json: () => JSON.parse(bytes.toString()), bytes };
  };
  return { dispatcher, call };
}

/** Runs a script in a child Node process with tsx, in `cwd`; resolves with its exit code and output. */
function runChild(script: string, cwd: string, timeoutMs = 60_000) {
  const file = join(cwd, 'script.mts');
  writeFileSync(file, script);
  return new Promise<{ code: number | null; signal: string | null; output: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', TSX, file],
      { cwd, timeout: timeoutMs, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        rmSync(file);
        resolve({
          code: error ? ((error as { code?: number }).code ?? null) : 0,
          signal: (error as { signal?: string } | null)?.signal ?? null,
          output: stdout + stderr,
        });
      },
    );
  });
}

describe('startPortrait', () => {
  let portrait: Portrait;
  let client: ReturnType<typeof clientOf>;

  before(async () => {
    portrait = await startPortrait({ fixtures: await fixtures() });
    client = clientOf(portrait);
  });

  after(async () => {
    await expectServing(portrait.url, '', client.dispatcher);
    await client.dispatcher.close();
    await portrait.close();
  });

  it('serves HTTPS on a free loopback port, with a CA of its own', async () => {
    assert.match(portrait.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(portrait.ca ?? '', /^-----BEGIN CERTIFICATE-----/);
    // A client that trusts only the system's CAs refuses the certificate.
    await assert.rejects(request(`${portrait.url}/healthz`), /self-signed|unable to verify|certificate/i);
  });

  it('names its tenants, and tokens for users and apps work against it', async () => {
    const contoso = portrait.tenant('contoso');
    assert.match(contoso.id, /^[0-9a-f-]{36}$/);
    assert.equal(portrait.tenant('CONTOSO').id, contoso.id);
    assert.throws(() => portrait.tenant('northwind'), /no tenant 'northwind'.*contoso, fabrikam/);

    const user = await portrait.token({
      tenant: 'contoso',
      user: 'adele@contoso.example',
      scopes: ['User.Read'],
    });
    const me = await client.call('GET', '/me', user);
    assert.equal(me.status, 200);
    assert.equal(me.json().id, '6e7b768e-07e2-4810-8459-485f84f8f204');

    const app = await portrait.token({
      tenant: contoso.id,
      app: 'photo-sync',
      roles: 'ProfilePhoto.ReadWrite.All',
    });
    const photo = await client.call('GET', '/users/adele@contoso.example/photo/$value', app);
    assert.equal(photo.status, 200);
    assert.equal(photo.bytes.subarray(0, 2).toString('hex'), 'ffd8');
  });

  it('refuses a token request that names nothing it has', async () => {
    await assert.rejects(portrait.token({ tenant: 'northwind', user: 'x@y' }), /no tenant 'northwind'/);
    await assert.rejects(
      portrait.token({ tenant: 'contoso', user: 'nobody@contoso.example' }),
      /no user 'nobody@contoso.example'/,
    );
    await assert.rejects(
      portrait.token({ tenant: 'contoso', user: 'adele@contoso.example', scopes: ['User.Raed'] }),
      /User\.Raed/,
    );
    await assert.rejects(portrait.token({ tenant: 'contoso' }), /either user .* or app/);
    await assert.rejects(portrait.token({ tenant: 'contoso', app: 'x', expires: 'forever' }), /duration/);
    await assert.rejects(portrait.token({ tenant: 'contoso', app: 'x', expires: -5 }), /duration/);
    assert.ok(await portrait.token({ tenant: 'contoso', app: 'x', expires: 90 }));
  });

  it('reset() puts back exactly the fixtures: the same ids and ETags, and nothing added stays', async () => {
    const admin = await portrait.token({
      tenant: 'contoso',
      user: 'adele@contoso.example',
      scopes: ['User.ReadWrite.All', 'ProfilePhoto.ReadWrite.All', 'Group.ReadWrite.All'],
    });
    const etag = async (path: string) => (await client.call('GET', path, admin)).json()['@odata.mediaEtag'];
    const adeleEtag = await etag('/users/adele@contoso.example/photo');
    assert.ok(adeleEtag);
    const alex = (await client.call('GET', '/users/alex@contoso.example', admin)).json();

    // A test changes things: a new photo for Adele, one for Alex, a new user, a deleted group.
    assert.equal(
      (
        await client.call(
          'PUT',
          '/users/adele@contoso.example/photo/$value',
          admin,
          await solidJpeg(300, 300, [20, 20, 220]),
        )
      ).status,
      200,
    );
    assert.equal(
      (await client.call('PUT', '/users/alex@contoso.example/photo/$value', admin, await solidJpeg(300, 300)))
        .status,
      200,
    );
    assert.notEqual(await etag('/users/adele@contoso.example/photo'), adeleEtag);
    const created = await client.call(
      'POST',
      '/users',
      admin,
      JSON.stringify({ userPrincipalName: 'new@contoso.example', displayName: 'New', accountEnabled: true }),
    );
    assert.equal(created.status, 201, created.bytes.toString());
    const sales = (await client.call('GET', '/groups', admin)).json().value[0];
    assert.equal((await client.call('DELETE', `/groups/${sales.id}`, admin)).status, 204);

    await portrait.reset();

    assert.equal(await etag('/users/adele@contoso.example/photo'), adeleEtag);
    assert.equal((await client.call('GET', '/users/alex@contoso.example/photo', admin)).status, 404);
    assert.equal((await client.call('GET', '/users/new@contoso.example', admin)).status, 404);
    assert.deepEqual((await client.call('GET', '/users/alex@contoso.example', admin)).json(), alex);
    const groups = (await client.call('GET', '/groups', admin)).json().value;
    assert.deepEqual(
      groups.map((g: { id: string }) => g.id),
      [sales.id],
    );
    // Tokens minted before the reset are still good after it.
    assert.equal((await client.call('GET', '/me', admin)).status, 200);
  });

  it('runs beside other instances in one process, each its own', async () => {
    const other = await startPortrait({ fixtures: await fixtures(), https: false });
    try {
      assert.match(other.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(other.ca, undefined);
      assert.notEqual(other.url, portrait.url);
      // Same fixtures, same ids; but each signs with keys of its own.
      assert.equal(other.tenant('contoso').id, portrait.tenant('contoso').id);
      const theirs = await other.token({ tenant: 'contoso', user: 'adele@contoso.example' });
      assert.equal((await client.call('GET', '/me', theirs)).status, 401);
      const reply = await request(`${other.url}/v1.0/me`, { headers: { authorization: `Bearer ${theirs}` } });
      assert.equal(reply.statusCode, 200);
      await reply.body.dump();
    } finally {
      await other.close();
    }
  });

  it('takes serve options: faults for every tenant, throttling, the demo tenant', async () => {
    const other = await startPortrait({ demo: true, serve: { faults: '429=1', throttle: 'graph-like' } });
    try {
      const token = await other.token({ tenant: 'contoso', user: 'megan@contoso.onmicrosoft.com' });
      const reply = await request(`${other.url}/v1.0/me`, {
        headers: { authorization: `Bearer ${token}` },
        dispatcher: new Agent({ connect: { ca: other.ca! } }),
      });
      await reply.body.dump();
      assert.equal(reply.statusCode, 429);
      assert.equal(other.tenant('contoso').name, 'contoso');
    } finally {
      await other.close();
    }
  });

  it('refuses bad options, naming them', async () => {
    await assert.rejects(
      startPortrait({ databse: 'memory' } as never),
      /startPortrait: databse: unknown option/,
    );
    await assert.rejects(startPortrait({ serve: { throttle: 'fast' } }), /startPortrait: serve\.throttle: /);
    await assert.rejects(
      startPortrait({ serve: { faults: '429=2' } }),
      /startPortrait: serve\.faults: .*0 to 1/,
    );
    await assert.rejects(startPortrait({ serve: { workers: 2 } as never }), /serve\.workers: unknown option/);
    await assert.rejects(startPortrait({ port: 70_000 }), /startPortrait: port:/);
    await assert.rejects(startPortrait({ database: 'mysql://x' }), /memory, sqlite:PATH or postgres/);
  });

  it('refuses bad fixtures naming the JSON pointer', async () => {
    const bad = await fixtures();
    bad.tenants[0]!.users![1]!.photo = 'photos/missing.jpg';
    await assert.rejects(startPortrait({ fixtures: bad }), (error: unknown) => {
      assert.ok(error instanceof FixtureError);
      assert.equal(error.pointer, '/tenants/0/users/1/photo');
      assert.match(error.message, /^\/tenants\/0\/users\/1\/photo: no such file/);
      return true;
    });
    const unknownMember = await fixtures();
    unknownMember.tenants[0]!.groups![0]!.members = ['alex@contoso.example', 'ghost@contoso.example'];
    await assert.rejects(
      startPortrait({ fixtures: unknownMember }),
      /^FixtureError: \/tenants\/0\/groups\/0\/members\/1: no user 'ghost/,
    );
  });
});

describe('startPortrait in a process of its own', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'portrait-start-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes nothing to disk, and the process exits by itself after close()', async () => {
    const run = await runChild(
      `import { startPortrait } from ${JSON.stringify(INDEX)};
const portrait = await startPortrait({ fixtures: { tenants: [{ name: 'contoso', users: [{ userPrincipalName: 'a@contoso.example', displayName: 'A' }] }] } });
const token = await portrait.token({ tenant: 'contoso', user: 'a@contoso.example' });
const reply = await fetch(portrait.url.replace('https:', 'https:') + '/healthz').catch((e) => e);
console.log('started', portrait.url, typeof token, reply instanceof Error ? 'refused' : reply.status);
await portrait.close();
console.log('closed');
`,
      dir,
    );
    assert.equal(run.signal, null, `the process did not exit by itself:\n${run.output}`);
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /started https:\/\/127\.0\.0\.1:\d+ string refused\nclosed/);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('leaves nothing running after a rejected start', async () => {
    const run = await runChild(
      `import { startPortrait } from ${JSON.stringify(INDEX)};
try {
  await startPortrait({ fixtures: { tenants: [{ name: 'contoso', groups: [{ displayName: 'G', owners: ['ghost@contoso.example'] }] }] } });
} catch (error) {
  console.log('rejected:', error.message);
}
`,
      dir,
    );
    assert.equal(run.signal, null, `the process did not exit by itself:\n${run.output}`);
    assert.match(
      run.output,
      /rejected: \/tenants\/0\/groups\/0\/owners\/0: no user 'ghost@contoso\.example'/,
    );
    assert.deepEqual(readdirSync(dir), []);
  });
});

describe('startPortrait on PostgreSQL', () => {
  it('migrates a fresh database, applies the fixtures and resets them', async (t) => {
    if (!(await postgresOrSkipNotice('startPortrait on PostgreSQL')))
      return t.skip('PostgreSQL not reachable');
    const database = await createTestDatabase();
    const portrait = await startPortrait({ database: database.url, fixtures: await fixtures() });
    const client = clientOf(portrait);
    try {
      const token = await portrait.token({
        tenant: 'fabrikam',
        user: 'bob@fabrikam.example',
        scopes: ['User.ReadWrite'],
      });
      const put = await client.call('PUT', '/me/photo/$value', token, await solidJpeg(200, 200));
      assert.equal(put.status, 200);
      await portrait.reset();
      assert.equal((await client.call('GET', '/me/photo', token)).status, 404);
      assert.equal((await client.call('GET', '/me', token)).json().displayName, 'Bob');
      await expectServing(portrait.url, '', client.dispatcher);
    } finally {
      await client.dispatcher.close();
      await portrait.close();
      await database.drop();
    }
  });
});
