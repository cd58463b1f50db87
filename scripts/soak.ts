// npm run soak: a bounded soak of a real `portrait serve` under mixed reads and writes (issue 15).
// Readers fetch photo bytes (some with If-None-Match), metadata, size lists, users and $batch
// photo reads; writers replace photos with JPEGs of several sizes. Reports the server's RSS over
// the first half of the time after warm-up against the second half (the median of a sample a
// second in each, so bursts of upload buffers do not decide it) and every status seen; anything but 2xx, 304 and the
// designed 429/503 is an error.
//   npm run soak -- --minutes 10            # the full soak
//   npm run soak -- --seconds 60 --warmup 20   # what CI runs (test/e2e/soak.test.ts)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { Agent, request } from 'undici';
import { serve } from '../test/support/cli.js';
import { prepareFixture } from './support/load-fixture.js';

export interface SoakOptions {
  seconds: number;
  /** Seconds of load before the first RSS window: caches fill, JIT and allocator settle. */
  warmupSeconds: number;
  readers: number;
  writers: number;
  owners: number;
  database?: string;
  log?: (line: string) => void;
}

export interface SoakReport {
  seconds: number;
  requests: number;
  statuses: Record<string, number>;
  /** Requests answered with anything but 2xx, 304, 429 or 503, or not answered. */
  errors: number;
  errorSamples: string[];
  /** Median RSS in MB over the first half of the time after warm-up, and over the second half. */
  rssAfterWarmupMb: number;
  rssAtEndMb: number;
  rssGrowth: number;
}

const DESIGNED = new Set([429, 503]);

/** The server process's resident set, from /proc (Linux). */
function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  return kb * 1024;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

export async function soak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => {});
  const dataDir = mkdtempSync(join(tmpdir(), 'portrait-soak-'));
  const database = options.database ?? `sqlite:${join(dataDir, 'portrait.db')}`;
  const { users, token } = await prepareFixture(database, `soak-${Date.now()}`, options.owners, [
    'ProfilePhoto.ReadWrite.All',
    'User.Read.All',
  ]);
  // As the `portrait` executable runs itself (src/main.ts): glibc tuned for sharp.
  const server = await serve(
    ['--port', '0', '--data', dataDir, '--database', database, '--no-demo', '--log-level', 'warn'],
    {
      MALLOC_ARENA_MAX: '2',
      MALLOC_MMAP_THRESHOLD_: '131072',
    },
  );
  const agent = new Agent({ connect: { ca: readFileSync(join(dataDir, 'tls', 'ca.pem')) }, connections: 16 });
  const statuses = new Map<string, number>();
  const errorSamples: string[] = [];
  let requests = 0;
  let errors = 0;

  const call = async (
    method: string,
    path: string,
    init: { body?: Buffer | string; headers?: Record<string, string> } = {},
  ) => {
    requests++;
    let status: string;
    try {
      const response = await request(`${server.url}${path}`, {
        method: method as 'GET',
        headers: { authorization: `Bearer ${token}`, ...init.headers },
        ...(init.body ? { body: init.body } : {}),
        dispatcher: agent,
      });
      const text = Buffer.from(await response.body.arrayBuffer());
      status = String(response.statusCode);
      const ok =
        response.statusCode < 300 || response.statusCode === 304 || DESIGNED.has(response.statusCode);
      if (!ok) {
        errors++;
        if (errorSamples.length < 10)
          errorSamples.push(`${method} ${path} -> ${status} ${text.toString().slice(0, 160)}`);
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      return { status: response.statusCode, etag: response.headers['etag'] as string | undefined };
    } catch (error) {
      errors++;
      statuses.set('no answer', (statuses.get('no answer') ?? 0) + 1);
      if (errorSamples.length < 10) errorSamples.push(`${method} ${path} -> ${(error as Error).message}`);
      return { status: 0, etag: undefined };
    }
  };

  try {
    const jpegs = await Promise.all(
      [200, 480, 700, 1200, 2000].map((side, i) =>
        sharp({
          create: {
            width: side,
            height: Math.round(side * 0.75),
            channels: 3,
            background: '#808080',
            noise: { type: 'gaussian', mean: 100 + i * 10, sigma: 40 },
          },
        })
          .jpeg({ quality: 88 })
          .toBuffer(),
      ),
    );
    // Every owner has a photo before the readers start.
    for (const user of users) {
      await call('PUT', `/v1.0/users/${user.id}/photo/$value`, {
        body: jpegs[0]!,
        headers: { 'content-type': 'image/jpeg' },
      });
    }
    const started = Date.now();
    const until = started + options.seconds * 1000;
    const etags = new Map<string, string>();
    let turn = 0;
    const pick = () => users[turn++ % users.length]!;

    const reader = async () => {
      while (Date.now() < until) {
        const user = pick();
        switch (turn % 6) {
          case 0: {
            const cached = etags.get(user.id);
            const reply = await call(
              'GET',
              `/v1.0/users/${user.id}/photo/$value`,
              cached ? { headers: { 'if-none-match': cached } } : {},
            );
            if (reply.etag) etags.set(user.id, reply.etag);
            break;
          }
          case 1:
            await call('GET', `/v1.0/users/${user.id}/photos/96x96/$value`);
            break;
          case 2:
            await call('GET', `/v1.0/users/${user.id}/photos`);
            break;
          case 3:
            await call('GET', `/beta/users/${user.id}/photo`);
            break;
          case 4:
            await call('GET', '/v1.0/users?$top=5&$select=id,displayName');
            break;
          default:
            await call('POST', '/v1.0/$batch', {
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({
                requests: users.slice(0, 4).map((u, i) => ({
                  id: String(i),
                  method: 'GET',
                  url: `/users/${u.id}/photos/48x48/$value`,
                })),
              }),
            });
        }
      }
    };
    const writer = async () => {
      let n = 0;
      while (Date.now() < until) {
        const user = pick();
        await call(n % 5 === 4 ? 'PATCH' : 'PUT', `/v1.0/users/${user.id}/photo/$value`, {
          body: jpegs[n++ % jpegs.length]!,
          headers: { 'content-type': 'image/jpeg' },
        });
      }
    };

    const samples: { at: number; rss: number }[] = [];
    const sampler = setInterval(() => {
      samples.push({ at: (Date.now() - started) / 1000, rss: rssOf(server.child.pid!) });
      const last = samples.at(-1)!;
      if (samples.length % 10 === 0) {
        log(
          `${Math.round(last.at)} s: ${requests} requests, ${errors} errors, RSS ${Math.round(last.rss / 1048576)} MB`,
        );
      }
    }, 1000);
    await Promise.all([
      ...Array.from({ length: options.readers }, reader),
      ...Array.from({ length: options.writers }, writer),
    ]);
    clearInterval(sampler);

    // The two windows: the first and the second half of the time after warm-up. RSS swings by
    // a sixth within seconds as upload buffers come and go, so each side is the median of many
    // samples (20 each in CI's minute); a leak shows as the second half standing higher.
    const half = options.warmupSeconds + (options.seconds - options.warmupSeconds) / 2;
    const early = samples.filter((s) => s.at >= options.warmupSeconds && s.at < half);
    const late = samples.filter((s) => s.at >= half);
    const rssAfterWarmup = median(early.map((s) => s.rss));
    const rssAtEnd = median(late.map((s) => s.rss));
    const mb = (n: number) => Math.round(n / 1048576);
    return {
      seconds: options.seconds,
      requests,
      statuses: Object.fromEntries(statuses),
      errors,
      errorSamples,
      rssAfterWarmupMb: mb(rssAfterWarmup),
      rssAtEndMb: mb(rssAtEnd),
      rssGrowth: Number(((rssAtEnd - rssAfterWarmup) / rssAfterWarmup).toFixed(3)),
    };
  } finally {
    await agent.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string' },
      seconds: { type: 'string' },
      warmup: { type: 'string' },
      readers: { type: 'string', default: '4' },
      writers: { type: 'string', default: '1' },
      owners: { type: 'string', default: '20' },
      database: { type: 'string' },
    },
  });
  const seconds = values.seconds ? Number(values.seconds) : Number(values.minutes ?? 10) * 60;
  const report = await soak({
    seconds,
    warmupSeconds: values.warmup ? Number(values.warmup) : Math.min(60, Math.round(seconds / 5)),
    readers: Number(values.readers),
    writers: Number(values.writers),
    owners: Number(values.owners),
    log: (line) => process.stderr.write(`${line}\n`),
    ...(values.database ? { database: values.database } : {}),
  });
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  const ok = report.errors === 0 && report.rssGrowth <= 0.1;
  process.exit(ok ? 0 : 1);
}
