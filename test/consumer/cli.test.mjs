// The `portrait` command from the installed package (npx portrait …), as scripts use it.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';

const here = fileURLToPath(new URL('.', import.meta.url));
const fixtures = join(here, 'fixtures.json');
const work = mkdtempSync(join(tmpdir(), 'portrait-consumer-'));
after(() => rmSync(work, { recursive: true, force: true }));

const npx = (args) =>
  new Promise((resolve) => {
    execFile('npx', ['--no-install', 'portrait', ...args], { cwd: here }, (error, stdout, stderr) =>
      resolve({ code: error ? error.code : 0, stdout, stderr }),
    );
  });

test('npx portrait --version prints the installed version', async () => {
  const { version } = createRequire(import.meta.url)('portrait/package.json');
  const run = await npx(['--version']);
  assert.equal(run.stdout.trim(), version);
});

test('fixtures apply is idempotent, and a bad file exits 2 naming the JSON pointer', async () => {
  const database = `sqlite:${join(work, 'portrait.db')}`;
  const first = await npx(['fixtures', 'apply', fixtures, '--database', database, '--json']);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(JSON.parse(first.stdout).created, 5);
  const again = JSON.parse(
    (await npx(['fixtures', 'apply', fixtures, '--database', database, '--json'])).stdout,
  );
  assert.deepEqual([again.created, again.changed, again.unchanged], [0, 0, 5]);

  const bad = JSON.parse(readFileSync(fixtures, 'utf8'));
  bad.tenants[0].users[1].roles = ['Chief Photographer'];
  const badFile = join(work, 'bad.json');
  writeFileSync(badFile, JSON.stringify(bad));
  const refused = await npx(['fixtures', 'apply', badFile, '--database', database]);
  assert.equal(refused.code, 2);
  assert.match(
    refused.stderr,
    /\/tenants\/0\/users\/1\/roles\/0: unknown directory role 'Chief Photographer'/,
  );
});

test('serve --database memory --fixtures serves the fixtures with a CA it prints', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'portrait-serve-'));
  // The command npx runs, started directly so that SIGTERM reaches it.
  const server = spawn(
    join(here, 'node_modules', '.bin', 'portrait'),
    ['serve', '--database', 'memory', '--fixtures', fixtures, '--port', '0', '--log-level', 'warn'],
    {
      cwd: empty,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    let output = '';
    await new Promise((resolve, reject) => {
      server.stdout.on('data', (chunk) => {
        output += chunk;
        if (output.includes('-----END CERTIFICATE-----')) resolve();
      });
      server.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
    });
    const url = /listening on (https:\/\/\S+)/.exec(output)[1];
    const ca = output.slice(output.indexOf('-----BEGIN CERTIFICATE-----'));
    const reply = await request(`${url}/healthz`, { dispatcher: new Agent({ connect: { ca } }) });
    assert.equal(reply.statusCode, 200);
    await reply.body.dump();
  } finally {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    assert.equal(await exited, 0);
  }
  // Nothing on disk: no data folder, no certificate.
  assert.deepEqual(readdirSync(empty), []);
  rmSync(empty, { recursive: true });
});
