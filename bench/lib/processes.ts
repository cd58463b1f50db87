// Child processes the benchmark measures: a Portrait server (the built CLI, as users run it) and
// nginx, each on a loopback port, with their CPU time and memory read from /proc.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MAIN = fileURLToPath(new URL('../../dist/src/main.js', import.meta.url));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Running {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

/** The `NAME=value` settings of the executable's `#!/usr/bin/env -S … node` line. */
export function shebangEnvironment(): Record<string, string> {
  const first = readFileSync(MAIN, 'utf8').split('\n', 1)[0]!;
  return Object.fromEntries([...first.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
}

/**
 * `portrait serve` from dist/, run as its executable (so with the environment its first line
 * sets, as an operator's `portrait serve` runs), its log going to a file (as to journald): a pipe
 * the benchmark had to drain would slow the server it measures.
 */
export async function startPortrait(
  dataDir: string,
  extra: string[] = [],
  nodeArgs: string[] = [],
  env: Record<string, string> = {},
): Promise<Running> {
  if (!existsSync(MAIN)) throw new Error('dist/ is missing: npm run bench builds it first');
  const port = await freePort();
  const logPath = join(dataDir, `portrait-${port}.log`);
  const log = openSync(logPath, 'w');
  const args = [
    'serve',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--data',
    dataDir,
    '--no-demo',
    ...extra,
  ];
  // Node flags such as --cpu-prof are not allowed in NODE_OPTIONS: then run node itself, with
  // the environment the executable's first line would have set.
  const child =
    nodeArgs.length === 0
      ? spawn(MAIN, args, { stdio: ['ignore', log, log], env: { ...process.env, ...env } })
      : spawn(process.execPath, [...nodeArgs, MAIN, ...args], {
          stdio: ['ignore', log, log],
          env: { ...process.env, ...shebangEnvironment(), ...env },
        });
  closeSync(log);
  const started = Date.now();
  for (;;) {
    const output = readFileSync(logPath, 'utf8');
    const match = /listening on (\S+)/.exec(output);
    if (match) return { child, url: match[1]!, stop: () => stopChild(child) };
    if (child.exitCode !== null || Date.now() - started > 30_000)
      throw new Error(`portrait did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** nginx from Debian's package, with `workers` worker processes, serving `root`. */
export async function startNginx(workDir: string, root: string, workers = 1): Promise<Running | undefined> {
  const binary = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((path) => existsSync(path));
  if (!binary) return undefined;
  const port = await freePort();
  mkdirSync(join(workDir, 'logs'), { recursive: true });
  const conf = join(workDir, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes ${workers};
daemon off;
pid ${join(workDir, 'nginx.pid')};
error_log ${join(workDir, 'logs', 'error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nodelay on;
  keepalive_requests 1000000;
  keepalive_timeout 65;
  client_body_temp_path ${workDir}/body; proxy_temp_path ${workDir}/proxy; fastcgi_temp_path ${workDir}/fastcgi;
  uwsgi_temp_path ${workDir}/uwsgi; scgi_temp_path ${workDir}/scgi;
  types { image/jpeg jpg; }
  server { listen 127.0.0.1:${port}; root ${root}; etag on; }
}
`,
  );
  const child = spawn(binary, ['-p', workDir, '-c', conf], { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 500));
  if (child.exitCode !== null) throw new Error('nginx did not start');
  return { child, url: `http://127.0.0.1:${port}`, stop: () => stopChild(child) };
}

/** Resident set size now and at its peak (VmHWM), in MB, from /proc. */
export function memory(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/** CPU seconds (user + system) the process has used, from /proc. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds of a process and all its descendants (a --workers primary and its workers). */
export function cpuSecondsOfTree(pid: number): number {
  let total = cpuSeconds(pid);
  for (const child of childrenOf(pid)) total += cpuSecondsOfTree(child);
  return total;
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

export interface MeasuredRun {
  code: number | null;
  stdout: string;
  wallMs: number;
  /** CPU seconds of the process and its children, as last sampled. */
  cpuSeconds: number;
  /** Peak resident set (VmHWM), as last sampled. */
  peakMb: number;
}

/**
 * Runs a command to its end, sampling its CPU time and peak RSS from /proc every 50 ms (VmHWM only
 * grows, so the last sample holds the peak of everything before it).
 */
export function runMeasured(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<MeasuredRun> {
  const started = performance.now();
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk;
  });
  let cpu = 0;
  let peak = 0;
  const sample = () => {
    try {
      cpu = cpuSecondsOfTree(child.pid!);
      peak = Math.max(peak, memory(child.pid!).peakMb);
    } catch {
      // the process has just ended
    }
  };
  const sampler = setInterval(sample, 50);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearInterval(sampler);
      resolve({ code, stdout, wallMs: performance.now() - started, cpuSeconds: cpu, peakMb: peak });
    }),
  );
}

/** The bare node:http reference (bare-http.ts) serving `file`, with `workers` processes. */
export async function startBareHttp(file: string, workers = 1): Promise<Running> {
  const port = await freePort();
  const script = fileURLToPath(new URL('./bare-http.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, file, String(port), String(workers)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let listening = 0;
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      listening += chunk.toString().split('listening').length - 1;
      if (listening >= workers) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the bare node:http server exited (${code})`)));
  });
  return { child, url: `http://127.0.0.1:${port}`, stop: () => stopChild(child) };
}

export interface S3rverChild extends Running {
  /** `--blob-store` URLs of the empty buckets it was asked to make. */
  stores: string[];
  /** What a process needs in its environment to reach it (s3rver's fixed credentials). */
  env: Record<string, string>;
}

/**
 * s3rver in a child process of its own (s3rver-child.ts, through tsx), with `buckets` empty
 * buckets: its CPU time can be read apart, and it does not share an event loop with the benchmark.
 */
export async function startS3rver(buckets: number): Promise<S3rverChild> {
  const script = fileURLToPath(new URL('./s3rver-child.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, String(buckets)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Not left behind if the benchmark ends on an error before stopping it.
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', () => process.removeListener('exit', kill));
  let said = '';
  const started = await new Promise<{ stores: string[]; env: Record<string, string> }>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      said += chunk.toString();
      const line = said.split('\n', 2);
      if (line.length === 2)
        resolve(JSON.parse(line[0]!) as { stores: string[]; env: Record<string, string> });
    });
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code}): ${said}`)));
  });
  // s3://BUCKET/PREFIX?endpoint=http://127.0.0.1:PORT&force-path-style=true
  const endpoint = new URL(started.stores[0] ?? '').searchParams.get('endpoint') ?? '';
  return { child, url: endpoint, ...started, stop: () => stopChild(child) };
}
