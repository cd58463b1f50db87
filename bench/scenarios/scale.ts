// 4. Scale: read latency (p99) with 1,000 users and photo sets, then with 100,000, on SQLite:
// reading the same 1,000 users (what the store's size costs), then all 100,000 uniformly at
// random (so most reads miss the read cache and go to the store). Three rounds in turn; the
// figures are the medians.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addUsers, seed } from '../lib/fixtures.js';
import { inTurn, probe } from '../lib/probe.js';
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
  // Two stores seeded alike with 1,000 users; one then grows to 100,000. Both are measured in
  // turn, three rounds, so the 1,000-user reference is taken on the same machine state.
  const smallDir = join(dir, 'small');
  const largeDir = join(dir, 'large');
  try {
    const seeded = await seed(`sqlite:${join(smallDir, 'portrait.db')}`, options.small);
    const grown = await seed(`sqlite:${join(largeDir, 'portrait.db')}`, options.small);
    const started = performance.now();
    const more = await addUsers(
      `sqlite:${join(largeDir, 'portrait.db')}`,
      grown.tenantId,
      options.large - options.small,
      options.small,
      (done) => note(`  … ${options.small + done} users`),
    );
    note(
      `seeded ${options.large} users with photo sets in ${Math.round((performance.now() - started) / 1000)} s`,
    );
    const measure = (dataDir: string, token: string, userIds: string[]) => async () => {
      const server = await startPortrait(dataDir, ['--http', '--log-level', 'warn']);
      try {
        const paths = shuffled(userIds).map((id) => `/v1.0/users/${id}/photos/48x48/$value`);
        const headers = { authorization: `Bearer ${token}` };
        await probe({ base: server.url, paths, headers, concurrency: 4, seconds: 2 });
        return await probe({ base: server.url, paths, headers, concurrency: 4, seconds: options.seconds });
      } finally {
        await server.stop();
      }
    };
    const { small, sameSet, everyone } = await inTurn(3, {
      small: measure(smallDir, seeded.token, seeded.userIds),
      // The same 1,000 users read again, now among 100,000: what the store's size alone costs.
      sameSet: measure(largeDir, grown.token, grown.userIds),
      // Every user, uniformly: most reads now miss the read cache and go to SQLite.
      everyone: measure(largeDir, grown.token, [...grown.userIds, ...more]),
    });
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
        measure: `photo read p99 with ${large} users and photo sets, reading the same ${options.small.toLocaleString('en')} users at random (medians of 3 rounds in turn)`,
        portrait: `${figure(sameSet)} (${sameSet.count} reads)`,
        reference,
        ratio: sameSet.p99Ms / small.p99Ms,
        target: '≤ 1.2',
        met: sameSet.p99Ms / small.p99Ms <= 1.2,
      },
      {
        measure: `photo read p99 with ${large} users and photo sets, reading all of them at random (mostly read-cache misses; medians of 3 rounds in turn)`,
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
