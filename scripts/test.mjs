// `npm test`: every test on the embedded SQLite store, then the API and store-contract suites
// again on PostgreSQL (PORTRAIT_TEST_DATABASE=postgres; each test server gets a fresh database,
// dropped after), then the photo API and store-contract suites with the photo bytes in each blob
// store (PORTRAIT_TEST_BLOBS=s3|azure|file: s3rver, azurite and a folder, test/support/object-stores.ts). Where no PostgreSQL answers, that second run is skipped with a loud message
// (and CI=true fails); a run that executes no test at all fails. Plain JavaScript, like the
// other scripts npm runs.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import pg from 'pg';

const server = process.env.PORTRAIT_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432';
const files = (dir) =>
  readdirSync(dir)
    .filter((name) => name.endsWith('.test.ts'))
    .map((name) => `${dir}/${name}`);

/** Runs node --test over the files, its report streamed through; resolves to the exit code. */
function run(label, paths, env = {}) {
  process.stdout.write(`\n== ${label}: ${paths.length} test files\n`);
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...paths], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let tail = '';
  child.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    tail = (tail + chunk.toString()).slice(-4000);
  });
  return new Promise((resolve) => {
    child.on('close', (code) => {
      const tests = Number(/^ℹ tests (\d+)$/m.exec(tail)?.[1] ?? 0);
      if (tests === 0) {
        process.stdout.write(`\n!!! ${label}: no test ran; that is a failure.\n`);
        resolve(1);
      } else resolve(code ?? 1);
    });
  });
}

async function postgresReachable() {
  const client = new pg.Client({ connectionString: `${server}/postgres`, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

// The CLI tests run the built command (test/support/cli.ts): build what is stale once, before
// test files start side by side.
const build = spawn(process.execPath, ['scripts/build-if-stale.mjs'], { stdio: 'inherit' });
if ((await new Promise((resolve) => build.on('close', resolve))) !== 0) process.exit(1);

const args = process.argv.slice(2);
const all =
  args.length > 0 ? args : ['unit', 'contract', 'http', 'e2e', 'browser'].flatMap((d) => files(`test/${d}`));
let failed = await run('SQLite', all);

const onPostgres = all.filter((path) => /^test\/(http|contract)\//.test(path));
if (onPostgres.length > 0) {
  if (await postgresReachable()) {
    failed = (await run('PostgreSQL', onPostgres, { PORTRAIT_TEST_DATABASE: 'postgres' })) || failed;
  } else {
    const bar = '!'.repeat(78);
    process.stdout.write(
      `\n${bar}\n!!! PostgreSQL is not reachable at ${server}:\n` +
        `!!! the API and store-contract suites did NOT run on PostgreSQL (SKIPPED).\n` +
        `!!! Start PostgreSQL on 127.0.0.1:5432 (trust auth, user postgres), or set\n` +
        `!!! PORTRAIT_TEST_POSTGRES=postgres://user@host:port, to run them.\n${bar}\n`,
    );
    // CI promises the PostgreSQL runs (.ci/run): there, a missing server is a failure.
    if (process.env.CI === 'true') failed = 1;
  }
}
// SPEC §14: the photo API and the store contract on each blob store, as on PostgreSQL.
const BLOB_SUITE = new Set([
  'test/http/photo-api.test.ts',
  'test/http/uploads.test.ts',
  'test/http/fast-read.test.ts',
  'test/contract/store.test.ts',
]);
const onBlobStores = all.filter((path) => BLOB_SUITE.has(path));
if (onBlobStores.length > 0) {
  for (const [kind, label] of [
    ['s3', 'photo bytes in S3 (s3rver)'],
    ['azure', 'photo bytes in Azure Blob (azurite)'],
    ['file', 'photo bytes in a folder'],
  ]) {
    failed = (await run(label, onBlobStores, { PORTRAIT_TEST_BLOBS: kind })) || failed;
  }
}
process.exitCode = failed;
