// 1. Photo reads: an authenticated GET of photos/48x48/$value (the token verified on every
// request, through the verification cache) against nginx serving the same bytes as a static file,
// same load generator and connection count; plus the HTTPS and If-None-Match → 304 figures, and
// the avatar endpoint (no token) for a stored size and for a size resized from the next larger.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { seed } from '../lib/fixtures.js';
import { type LoadResult, load } from '../lib/load.js';
import { startNginx, startPortrait } from '../lib/processes.js';
import type { Row } from '../lib/report.js';

export interface ReadOptions {
  connections: number;
  seconds: number;
}

const warm = (url: string, headers: Record<string, string>) =>
  load({ url, connections: 8, seconds: 1, headers });

const ok = (result: LoadResult, status: string) =>
  result.errors === 0 && result.timeouts === 0 && Object.keys(result.statuses).every((s) => s === status);

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
      await warm(url, headers);
      const result = await load({ url, connections: options.connections, seconds: options.seconds, headers });
      if (!ok(result, expect))
        note(`unexpected answers from ${url}: ${JSON.stringify(result.statuses)}, ${result.errors} errors`);
      return result;
    };

    const cores = availableParallelism();
    const measured: Record<string, LoadResult> = {};
    for (const workers of [1, cores]) {
      const nginx = await startNginx(join(dir, `nginx-${workers}`), join(dir, 'www'), workers);
      if (!nginx) {
        note(
          'nginx is not installed, so the read comparison is skipped: apt-get install nginx (Debian) and run again.',
        );
        break;
      }
      try {
        measured[`nginx-${workers}`] = await run(`${nginx.url}/photo.jpg`, {});
      } finally {
        await nginx.stop();
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
    for (const workers of [...new Set([1, cores])]) {
      if (!measured[`nginx-${workers}`]) continue;
      const label =
        workers === 1
          ? 'one process each'
          : `${workers} processes each (Portrait --workers ${workers}, nginx worker_processes ${workers})`;
      rows.push({
        measure: `photo read, HTTP keep-alive, ${label}`,
        portrait: `${Math.round(rps(`http-${workers}`))} req/s (p99 ${measured[`http-${workers}`]!.p99} ms)`,
        reference: `nginx static file: ${Math.round(rps(`nginx-${workers}`))} req/s (p99 ${measured[`nginx-${workers}`]!.p99} ms)`,
        ratio: rps(`http-${workers}`) / rps(`nginx-${workers}`),
        target: '≥ 0.5',
        met: rps(`http-${workers}`) / rps(`nginx-${workers}`) >= 0.5,
      });
    }
    for (const workers of [...new Set([1, cores])]) {
      if (!measured[`nginx-${workers}`] || !measured[`avatar-${workers}`]) continue;
      const ratio = rps(`avatar-${workers}`) / rps(`nginx-${workers}`);
      rows.push({
        measure: `avatar read /avatar/{md5}?s=48 (a stored size), ${workers === 1 ? 'one process each' : `${workers} processes each`}`,
        portrait: `${Math.round(rps(`avatar-${workers}`))} req/s (p99 ${measured[`avatar-${workers}`]!.p99} ms); photo read: ${Math.round(rps(`http-${workers}`))} req/s`,
        reference: `nginx static file: ${Math.round(rps(`nginx-${workers}`))} req/s`,
        ratio,
        target: '≥ 0.5',
        met: ratio >= 0.5,
      });
    }
    const top = measured[`http-${cores}`] ? cores : 1;
    if (measured[`avatar80-${top}`] && measured[`nginx-${top}`]) {
      const ratio = rps(`avatar80-${top}`) / rps(`nginx-${top}`);
      rows.push({
        measure: `avatar read ?s=80, resized from 96 and served from the avatar cache (${top} process${top > 1 ? 'es' : ''})`,
        portrait: `${Math.round(rps(`avatar80-${top}`))} req/s (p99 ${measured[`avatar80-${top}`]!.p99} ms)`,
        reference: `nginx static file: ${Math.round(rps(`nginx-${top}`))} req/s`,
        ratio,
        target: '≥ 0.5',
        met: ratio >= 0.5,
      });
    }
    rows.push({
      measure: `photo read, If-None-Match → 304 (${top} process${top > 1 ? 'es' : ''})`,
      portrait: `${Math.round(rps(`304-${top}`))} req/s`,
      reference: `200 over HTTP: ${Math.round(rps(`http-${top}`))} req/s`,
      ratio: rps(`304-${top}`) / rps(`http-${top}`),
    });
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
