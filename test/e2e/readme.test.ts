// The README is a contract with a new user: its generated parts match the code, and its examples
// run as written on a fresh clone. The shell and JavaScript examples run in order in one bash
// session (so TOKEN and me.jpg carry over as they do for a reader), in a folder inside this clone
// (so `npx portrait` finds the clone and `./data` is the server's), against `npm start`.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { README, readmeExamples, withGeneratedSections } from '../../scripts/readme-sections.js';
import { expectServing } from '../support/still-serving.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(README, 'utf8');

it('README generated parts are current: the configuration table, the test-suite examples (npm run docs)', () => {
  assert.ok(readme.includes('<!-- options:start -->'));
  assert.equal(readme, withGeneratedSections(readme));
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

describe('the README examples', () => {
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

  it('run as written, in order, against npm start', { timeout: 600_000 }, async () => {
    const examples = readmeExamples(readme);
    const setUpLines = examples.flatMap((e) => e.code.split('\n')).map((l) => l.replace(/#.*/, '').trim());
    for (const line of Object.keys(SET_UP)) assert.ok(setUpLines.includes(line), `README still says ${line}`);

    const script = [
      'set -euo pipefail',
      // A reader sees curl's HTTP errors; a script needs them as failures. Nothing else is added.
      'curl() { command curl --silent --show-error --fail-with-body "$@"; }',
    ];
    let run = 0;
    for (const example of examples) {
      if (example.notRun) continue;
      // The README's URLs name the default port; this server has a free one.
      const code = example.code.replaceAll('localhost:8443', `localhost:${port}`);
      script.push(`echo "### README line ${example.line}" >&2`);
      if (example.lang === 'js') {
        const file = `readme-example-${example.line}.mjs`;
        writeFileSync(join(work, file), code);
        script.push(`node ${file}`);
      } else {
        script.push(...code.split('\n').filter((line) => !(line.replace(/#.*/, '').trim() in SET_UP)));
      }
      run++;
    }
    assert.ok(run >= 10, `only ${run} examples found`);

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
  });
});
