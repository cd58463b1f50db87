// Runs the real `portrait` command in a child process, as scripts and outside suites do: the built
// one, as `npx portrait` runs it, rebuilt first when a source is newer (scripts/build-if-stale.mjs;
// npm test runs that once before any test file). Built, a command starts in well under half the
// CPU time it takes through tsx, and the CLI tests run hundreds of them.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expectServing } from './still-serving.js';

execFileSync(
  process.execPath,
  [fileURLToPath(new URL('../../scripts/build-if-stale.mjs', import.meta.url))],
  {
    stdio: 'inherit',
  },
);
const MAIN = fileURLToPath(new URL('../../dist/src/main.js', import.meta.url));
const NODE_ARGS = [MAIN];

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function portrait(
  args: string[],
  options: { input?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const env = { ...process.env, ...options.env };
    const child = execFile(process.execPath, [...NODE_ARGS, ...args], { env }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end(options.input ?? '');
  });
}

/** Runs a command that must succeed with `--json` (and `env`, e.g. a blob store's credentials); its output. */
export async function portraitJson(args: string[], env: Record<string, string> = {}): Promise<any> {
  const result = await portrait([...args, '--json'], { env });
  if (result.code !== 0)
    throw new Error(`portrait ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** Starts the real `portrait` command without waiting for it, for tests that interrupt it. */
export const startPortrait = (args: string[], env: Record<string, string> = {}): ChildProcess =>
  spawn(process.execPath, [...NODE_ARGS, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** SPEC §10: the process still runs and answers, and its log has no fatal line. */
  expectServing(): Promise<void>;
  /** Checks it still serves (expectServing), then stops it with SIGTERM; resolves to its exit code. */
  stop(): Promise<number | null>;
}

/** Starts `portrait serve` and resolves once it prints its `listening on` line. */
export function serve(args: string[], env: Record<string, string> = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [...NODE_ARGS, 'serve', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (https?:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        const running = {
          child,
          url: match[1]!,
          output: () => output,
          expectServing: async () => {
            assert.ok(
              child.exitCode === null && child.signalCode === null,
              `serve has exited (${child.exitCode ?? child.signalCode}):\n${output.slice(-4000)}`,
            );
            await expectServing(running.url, output);
          },
          stop: async () => {
            await running.expectServing();
            return new Promise<number | null>((done) => {
              child.once('exit', (code) => done(code));
              child.kill('SIGTERM');
            });
          },
        };
        resolve(running);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${output}`));
    });
  });
}
