// The load generator for every throughput figure, the same settings for each target: wrk (a C
// program, Debian's package `wrk`) when it is installed, so the generator is not what limits a
// fast server on two cores; else autocannon (one Node thread), said loudly, since on two cores it
// caps nginx near 48k req/s and flatters every ratio.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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

function loadWithWrk(wrk: string, options: LoadOptions): Promise<LoadResult> {
  const args = ['-t1', `-c${options.connections}`, `-d${options.seconds}s`, '--latency'];
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push('-H', `${name}: ${value}`);
  args.push(options.url);
  return new Promise((resolve, reject) =>
    execFile(wrk, args, { encoding: 'utf8' }, (error, stdout, stderr) =>
      error ? reject(new Error(`wrk failed: ${stderr || error.message}`)) : resolve(parseWrk(stdout)),
    ),
  );
}

async function loadWithAutocannon(options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    pipelining: 1,
    headers: options.headers ?? {},
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
