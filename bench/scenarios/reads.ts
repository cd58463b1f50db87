// 1. Photo reads: an authenticated GET of photos/48x48/$value (the token checked on every request,
// through the verification cache) against a bare node:http server answering the same bytes with
// the same headers and nginx serving them as a static file, same load generator and connection
// count; plus the If-None-Match → 304 and HTTPS figures, and the avatar endpoint (no token) for a
// stored size and for a size resized from the next larger.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { seed } from '../lib/fixtures.js';
import { type LoadResult, load } from '../lib/load.js';
import { startBareHttp, startNginx, startPortrait } from '../lib/processes.js';
import type { Row } from '../lib/report.js';

export interface ReadOptions {
  connections: number;
  seconds: number;
}

/**
 * Two seconds of the same load before each measure, for every server alike: V8 compiles a hot
 * path in stages, and the first second of a fresh process was measured at up to a fifth slower.
 */
const warm = (url: string, headers: Record<string, string>, connections: number) =>
  load({ url, connections, seconds: 2, headers });

/** wrk counts answers by class only; which status they were is checked once before each run. */
const ok = (result: LoadResult, status: string) =>
  result.errors === 0 &&
  result.timeouts === 0 &&
  Object.keys(result.statuses).every((s) => s === status || s === '2xx/3xx');

/** Bare node:http is the target's reference (issue 16): Portrait's own path at ≥ 0.6 of it. */
const BARE_TARGET = 0.6;
/** nginx does the same exchange in C; 0.3 of it is where 0.6 of node:http lands on this machine. */
const NGINX_TARGET = 0.3;

export async function reads(options: ReadOptions, note: (line: string) => void): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'portrait-bench-reads-'));
  // nginx's worker runs as an unprivileged user and must read the file.
  chmodSync(dir, 0o755);
  const rows: Row[] = [];
  try {
    const seeded = await seed(`sqlite:${join(dir, 'portrait.db')}`, 100);
    const path = `/v1.0/users/${seeded.userIds[0]}/photos/48x48/$value`;
    const auth = { authorization: `Bearer ${seeded.token}` };
    mkdirSync(join(dir, 'www'));
    chmodSync(join(dir, 'www'), 0o755);
    writeFileSync(join(dir, 'www', 'photo.jpg'), seeded.smallPhoto);
    const run = async (url: string, headers: Record<string, string>, expect = '200') => {
      // (Over HTTPS the development CA is not trusted here; that run reads the same path as over HTTP.)
      if (url.startsWith('http:')) {
        const probe = await fetch(url, { headers });
        await probe.arrayBuffer();
        if (String(probe.status) !== expect) note(`${url} answered ${probe.status}, not ${expect}`);
      }
      await warm(url, headers, options.connections);
      const result = await load({ url, connections: options.connections, seconds: options.seconds, headers });
      if (!ok(result, expect))
        note(`unexpected answers from ${url}: ${JSON.stringify(result.statuses)}, ${result.errors} errors`);
      return result;
    };

    const cores = availableParallelism();
    const measured: Record<string, LoadResult> = {};
    for (const workers of [1, cores]) {
      const nginx = await startNginx(join(dir, `nginx-${workers}`), join(dir, 'www'), workers);
      if (!nginx && workers === 1)
        note(
          'nginx is not installed, so its column is left out: apt-get install nginx (Debian) and run again.',
        );
      if (nginx) {
        try {
          measured[`nginx-${workers}`] = await run(`${nginx.url}/photo.jpg`, {});
        } finally {
          await nginx.stop();
        }
      }
      const bare = await startBareHttp(join(dir, 'www', 'photo.jpg'), workers);
      try {
        measured[`bare-${workers}`] = await run(`${bare.url}/`, {});
      } finally {
        await bare.stop();
      }
      const portrait = await startPortrait(dir, ['--http', '--workers', String(workers)]);
      try {
        measured[`http-${workers}`] = await run(portrait.url + path, auth);
        measured[`304-${workers}`] = await run(
          portrait.url + path,
          { ...auth, 'if-none-match': `"${seeded.etag}"` },
          '304',
        );
        measured[`avatar-${workers}`] = await run(`${portrait.url}/avatar/${seeded.avatarHash}?s=48`, {});
        measured[`avatar80-${workers}`] = await run(`${portrait.url}/avatar/${seeded.avatarHash}?s=80`, {});
      } finally {
        await portrait.stop();
      }
      if (cores === 1) break;
    }
    const https = await startPortrait(dir, ['--workers', String(cores)]);
    try {
      measured['https'] = await run(https.url + path, auth);
    } finally {
      await https.stop();
    }

    const rps = (key: string) => measured[key]?.requestsPerSecond ?? Number.NaN;
    const figure = (key: string) => `${Math.round(rps(key))} req/s (p99 ${measured[key]!.p99} ms)`;
    const processes = (workers: number) =>
      workers === 1
        ? 'one process each'
        : `${workers} processes each (--workers ${workers}, nginx worker_processes ${workers})`;
    const against = (measure: string, key: string, workers: number) => {
      const bare = rps(`bare-${workers}`);
      const nginx = rps(`nginx-${workers}`);
      rows.push({
        measure: `${measure}, ${processes(workers)}`,
        portrait: figure(key),
        reference: `bare node:http, same bytes and headers: ${figure(`bare-${workers}`)}`,
        ratio: rps(key) / bare,
        target: `≥ ${BARE_TARGET}`,
        met: rps(key) / bare >= BARE_TARGET,
      });
      if (!measured[`nginx-${workers}`]) return;
      rows.push({
        measure: `${measure} against nginx, ${processes(workers)}`,
        portrait: `${Math.round(rps(key))} req/s`,
        reference: `nginx static file: ${figure(`nginx-${workers}`)}`,
        ratio: rps(key) / nginx,
        target: `≥ ${NGINX_TARGET}`,
        met: rps(key) / nginx >= NGINX_TARGET,
      });
    };
    for (const workers of [...new Set([1, cores])]) {
      if (!measured[`bare-${workers}`]) continue;
      against('photo read, HTTP keep-alive', `http-${workers}`, workers);
      against('photo read, If-None-Match → 304', `304-${workers}`, workers);
      against('avatar read /avatar/{md5}?s=48 (a stored size, no token)', `avatar-${workers}`, workers);
    }
    const top = measured[`http-${cores}`] ? cores : 1;
    if (measured[`avatar80-${top}`] && measured[`bare-${top}`]) {
      const ratio = rps(`avatar80-${top}`) / rps(`bare-${top}`);
      rows.push({
        measure: `avatar read ?s=80, resized from 96 and served from the avatar cache, ${processes(top)}`,
        portrait: figure(`avatar80-${top}`),
        reference: `bare node:http: ${figure(`bare-${top}`)}`,
        ratio,
        target: `≥ ${BARE_TARGET}`,
        met: ratio >= BARE_TARGET,
      });
    }
    rows.push({
      measure: `photo read over HTTPS (${cores} process${cores > 1 ? 'es' : ''})`,
      portrait: `${Math.round(rps('https'))} req/s (p99 ${measured['https']!.p99} ms)`,
      reference: `the same over HTTP: ${Math.round(rps(`http-${cores}`))} req/s`,
      ratio: rps('https') / rps(`http-${cores}`),
    });
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
