// The load generator for every throughput figure, the same settings for each target: wrk (a C
// program, Debian's package `wrk`) when it is installed, so the generator is not what limits a
// fast server on two cores; else autocannon (one Node thread), said loudly, since on two cores it
// caps nginx near 48k req/s and flatters every ratio.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  /** Answers by status class where wrk measured (`2xx/3xx`, `other`), by status with autocannon. */
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  seconds: number;
  headers?: Record<string, string>;
  /**
   * Paths on `url`'s server to ask for in turn, instead of `url`'s own (each connection goes round
   * them; with wrk through a Lua script, which costs wrk a little per request).
   */
  paths?: readonly string[];
}

const WRK = ['/usr/bin/wrk', '/usr/local/bin/wrk'].find((path) => existsSync(path));

/** What measures throughput in this run, for the report. */
export const loadGenerator = (): string =>
  WRK
    ? 'wrk -t1 (reads)'
    : `autocannon ${autocannonVersion()} (reads; install wrk for a load generator that is not the bottleneck: apt-get install wrk)`;

function autocannonVersion(): string {
  const manifest = new URL('../../node_modules/autocannon/package.json', import.meta.url);
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

export function load(options: LoadOptions): Promise<LoadResult> {
  return WRK ? loadWithWrk(WRK, options) : loadWithAutocannon(options);
}

/** wrk's latency figures, e.g. `512.00us`, `1.20ms`, `2.00s`, in milliseconds. */
function milliseconds(text: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!match) return Number.NaN;
  const value = Number(match[1]);
  return { us: value / 1000, ms: value, s: value * 1000, m: value * 60_000 }[
    match[2] as 'us' | 'ms' | 's' | 'm'
  ];
}

/** Parses what `wrk --latency` prints. */
export function parseWrk(output: string): LoadResult {
  const number = (pattern: RegExp) => Number(pattern.exec(output)?.[1] ?? 0);
  const total = number(/(\d+) requests in/);
  const other = number(/Non-2xx or 3xx responses: (\d+)/);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const percentile = (p: string) =>
    milliseconds(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(output)?.[1] ?? '');
  return {
    requestsPerSecond: number(/Requests\/sec:\s+([\d.]+)/),
    p50: percentile('50'),
    p99: percentile('99'),
    statuses: { '2xx/3xx': total - other, ...(other > 0 ? { other } : {}) },
    errors: socketErrors ? Number(socketErrors[1]) + Number(socketErrors[2]) + Number(socketErrors[3]) : 0,
    timeouts: socketErrors ? Number(socketErrors[4]) : 0,
  };
}

/** A wrk script asking for `paths` in turn (wrk.format keeps the -H headers). */
export function wrkPathsScript(paths: readonly string[]): string {
  return [
    `local paths = { ${paths.map((path) => JSON.stringify(path)).join(', ')} }`,
    'local i = 0',
    'request = function()',
    '  i = i % #paths + 1',
    '  return wrk.format(nil, paths[i])',
    'end',
    '',
  ].join('\n');
}

async function loadWithWrk(wrk: string, options: LoadOptions): Promise<LoadResult> {
  const args = ['-t1', `-c${options.connections}`, `-d${options.seconds}s`, '--latency'];
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push('-H', `${name}: ${value}`);
  const scriptDir = options.paths ? mkdtempSync(join(tmpdir(), 'portrait-bench-wrk-')) : undefined;
  try {
    if (scriptDir) {
      writeFileSync(join(scriptDir, 'paths.lua'), wrkPathsScript(options.paths!));
      args.push('-s', join(scriptDir, 'paths.lua'));
    }
    args.push(options.url);
    return await new Promise((resolve, reject) =>
      execFile(wrk, args, { encoding: 'utf8' }, (error, stdout, stderr) =>
        error ? reject(new Error(`wrk failed: ${stderr || error.message}`)) : resolve(parseWrk(stdout)),
      ),
    );
  } finally {
    if (scriptDir) rmSync(scriptDir, { recursive: true, force: true });
  }
}

async function loadWithAutocannon(options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    pipelining: 1,
    headers: options.headers ?? {},
    ...(options.paths ? { requests: options.paths.map((path) => ({ method: 'GET' as const, path })) } : {}),
  });
  const statuses: Record<string, number> = {};
  for (const [code, count] of Object.entries(result.statusCodeStats ?? {}))
    statuses[code] = (count as { count: number }).count;
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    statuses,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

/** Runs `count` jobs, `parallel` at a time; the wall time of them all, in ms. */
export async function runJobs(
  count: number,
  parallel: number,
  job: (i: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) await job(next++);
    }),
  );
  return performance.now() - started;
}
