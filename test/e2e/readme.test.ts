// The README and the guides (docs/guide/) are a contract with a new user: their generated parts
// match the code, and their examples run as written on a fresh clone. The shell and JavaScript
// examples run in order — the README's, then each guide's in the order of GUIDES — in one bash
// session (so TOKEN and me.jpg carry over as they do for a reader), in a folder inside this clone
// (so `npx portrait` finds the clone and `./data` is the server's), against `npm start`.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import {
  DOCUMENTS,
  GUIDES,
  README,
  readmeExamples,
  withGeneratedSections,
} from '../../scripts/readme-sections.js';
import { expectServing } from '../support/still-serving.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(README, 'utf8');

it('README generated parts are current: the configuration table, the test-suite examples (npm run docs)', () => {
  assert.ok(readme.includes('<!-- options:start -->'));
  for (const { name, url } of DOCUMENTS) {
    const text = readFileSync(url, 'utf8');
    assert.equal(text, withGeneratedSections(text), `${name} is not current: npm run docs`);
  }
});

it('every guide in docs/guide/ has its place in the order of the examples (GUIDES)', () => {
  const guides = readdirSync(join(ROOT, 'docs', 'guide'))
    .filter((file) => file.endsWith('.md'))
    .map((file) => `docs/guide/${file}`);
  assert.deepEqual([...guides].sort(), [...GUIDES].sort());
});

/**
 * The quick start's set-up lines, which this test does itself rather than from inside a test run:
 * each must still be in the README, so a change to them is noticed here.
 */
const SET_UP: Record<string, string> = {
  'npm install': 'done: the tests run in an installed clone',
  'npm start': 'started by before() below, on a free port',
  'npm test': 'this is one of its tests',
};

/** `npm start` with the port and data folder from the environment, as every serve option allows. */
function npmStart(dataDir: string): Promise<{ server: ChildProcess; port: number; output: () => string }> {
  const server = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { ...process.env, PORTRAIT_PORT: '0', PORTRAIT_DATA: dataDir, PORTRAIT_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so stopping it stops npm, the shell and node together.
    detached: true,
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const port = /listening on https:\/\/localhost:(\d+)/.exec(output)?.[1];
      if (port) resolve({ server, port: Number(port), output: () => output });
    };
    server.stdout!.on('data', onData);
    server.stderr!.on('data', onData);
    server.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
  });
}

/** The consumer suite (test/consumer): the README's test-suite examples are its files. */
const CONSUMER = join(ROOT, 'test', 'consumer');

describe('the examples of the README and the guides', () => {
  let work: string;
  let server: ChildProcess | undefined;
  let port: number;
  let output: () => string;

  before(async () => {
    mkdirSync(join(ROOT, '.tmp'), { recursive: true });
    work = mkdtempSync(join(ROOT, '.tmp', 'readme-'));
    // The test-suite examples read their fixtures and photo from beside them, as in test/consumer.
    for (const file of ['fixtures.json', 'adele.jpg']) copyFileSync(join(CONSUMER, file), join(work, file));
    ({ server, port, output } = await npmStart(join(work, 'data')));
  });

  after(async () => {
    try {
      // SPEC §10: after every example, the server still serves and its log has no fatal line.
      assert.equal(server?.exitCode, null, `npm start has exited:\n${output?.()}`);
      await expectServing(`https://localhost:${port}`, output());
    } finally {
      if (server?.pid && server.exitCode === null) {
        const exited = new Promise((resolve) => server!.once('exit', resolve));
        process.kill(-server.pid, 'SIGTERM');
        await exited;
      }
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('run as written, in order, against npm start', { timeout: 600_000 }, async (t) => {
    const setUpLines = readmeExamples(readme)
      .flatMap((e) => e.code.split('\n'))
      .map((l) => l.replace(/#.*/, '').trim());
    for (const line of Object.keys(SET_UP)) assert.ok(setUpLines.includes(line), `README still says ${line}`);
    // The README's examples, then each guide's, in the order of GUIDES (docs/README.md).
    const examples = DOCUMENTS.flatMap(({ name, url }) =>
      readmeExamples(readFileSync(url, 'utf8')).map((example) => ({ ...example, document: name })),
    );

    const script = [
      'set -euo pipefail',
      // A reader sees curl's HTTP errors; a script needs them as failures. Nothing else is added.
      'curl() { command curl --silent --show-error --fail-with-body "$@"; }',
    ];
    const run = new Map<string, number>();
    for (const example of examples) {
      if (example.notRun) continue;
      // The examples' URLs name the default port; this server has a free one.
      const code = example.code.replaceAll('localhost:8443', `localhost:${port}`);
      script.push(`echo "### ${example.document} line ${example.line}" >&2`);
      if (example.lang === 'js') {
        const file = `example-${example.document.replace(/\W+/g, '-')}-${example.line}.mjs`;
        writeFileSync(join(work, file), code);
        script.push(`node ${file}`);
      } else {
        script.push(...code.split('\n').filter((line) => !(line.replace(/#.*/, '').trim() in SET_UP)));
      }
      run.set(example.document, (run.get(example.document) ?? 0) + 1);
    }
    const total = [...run.values()].reduce((sum, n) => sum + n, 0);
    t.diagnostic(`${total} examples: ${[...run].map(([name, n]) => `${name} ${n}`).join(', ')}`);
    assert.ok((run.get('README.md') ?? 0) >= 5, `only ${run.get('README.md')} README examples found`);
    assert.ok(total >= 25, `only ${total} examples found`);

    let stdout: string;
    try {
      stdout = execFileSync('bash', ['-c', script.join('\n')], {
        cwd: work,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      const { stdout: out, stderr } = error as { stdout: string; stderr: string };
      assert.fail(`an example failed (the last ### line says which):\n${stderr}\n--- stdout:\n${out}`);
    }

    // What a reader would check by eye.
    const small = await sharp(join(work, 'me-48.jpg')).metadata();
    assert.deepEqual([small.format, small.width, small.height], ['jpeg', 48, 48]);
    assert.match(stdout, /"responses":\[.*"status":200.*"status":200/, 'the batch uploads and reads');
    assert.match(stdout, /^200 \{\n\s+'@odata\.context'/m, "the app's MSAL token reads Megan's photo");
    assert.match(stdout, /megan@contoso\.onmicrosoft\.com/, 'user list prints the demo users');
    const avatar = await sharp(join(work, 'adele-avatar.jpg')).metadata();
    assert.deepEqual(
      [avatar.width, avatar.height],
      [128, 128],
      "the avatar URL gives Adele's photo at 128 px",
    );
  });
});
