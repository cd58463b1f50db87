// 4. Scale: read latency (p99) with 1,000 users and photo sets, then with 100,000, on SQLite:
// reading the same 1,000 users (what the store's size costs), then all 100,000 uniformly at
// random (so most reads miss the read cache and go to the store).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addUsers, seed } from '../lib/fixtures.js';
import { probe } from '../lib/probe.js';
import { startPortrait } from '../lib/processes.js';
import type { Row } from '../lib/report.js';

function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

export async function scale(
  options: { small: number; large: number; seconds: number },
  note: (line: string) => void,
): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'portrait-bench-scale-'));
  const database = `sqlite:${join(dir, 'portrait.db')}`;
  try {
    const seeded = await seed(database, options.small);
    const measure = async (userIds: string[]) => {
      const server = await startPortrait(dir, ['--http', '--log-level', 'warn']);
      try {
        const paths = shuffled(userIds).map((id) => `/v1.0/users/${id}/photos/48x48/$value`);
        const headers = { authorization: `Bearer ${seeded.token}` };
        await probe({ base: server.url, paths, headers, concurrency: 4, seconds: 2 });
        return await probe({ base: server.url, paths, headers, concurrency: 4, seconds: options.seconds });
      } finally {
        await server.stop();
      }
    };
    const small = await measure(seeded.userIds);
    const started = performance.now();
    const more = await addUsers(
      database,
      seeded.tenantId,
      options.large - options.small,
      options.small,
      (done) => note(`  … ${options.small + done} users`),
    );
    note(
      `seeded ${options.large} users with photo sets in ${Math.round((performance.now() - started) / 1000)} s`,
    );
    // The same 1,000 users read again, now among 100,000: what the store's size alone costs.
    const sameSet = await measure(seeded.userIds);
    // Every user, uniformly: most reads now miss the read cache and go to SQLite.
    const everyone = await measure([...seeded.userIds, ...more]);
    for (const [label, result] of [
      ['small', small],
      ['same set', sameSet],
      ['everyone', everyone],
    ] as const) {
      if (Object.keys(result.statuses).some((s) => s !== '200'))
        note(`scale ${label}: unexpected ${JSON.stringify(result.statuses)}`);
    }
    const figure = (r: typeof small) => `p99 ${r.p99Ms.toFixed(2)} ms, p50 ${r.p50Ms.toFixed(2)} ms`;
    const large = options.large.toLocaleString('en');
    const reference = `${options.small.toLocaleString('en')} users: ${figure(small)}`;
    return [
      {
        measure: `photo read p99 with ${large} users and photo sets, reading the same ${options.small.toLocaleString('en')} users at random`,
        portrait: `${figure(sameSet)} (${sameSet.count} reads)`,
        reference,
        ratio: sameSet.p99Ms / small.p99Ms,
        target: '≤ 1.2',
        met: sameSet.p99Ms / small.p99Ms <= 1.2,
      },
      {
        measure: `photo read p99 with ${large} users and photo sets, reading all of them at random (mostly read-cache misses)`,
        portrait: `${figure(everyone)} (${everyone.count} reads)`,
        reference,
        ratio: everyone.p99Ms / small.p99Ms,
        target: '≤ 1.2',
        met: everyone.p99Ms / small.p99Ms <= 1.2,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
