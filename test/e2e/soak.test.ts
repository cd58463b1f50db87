// A one-minute soak in CI (issue 15; `npm run soak -- --minutes 10` is the full one): mixed reads
// and writes against the real server, no errors but the designed 429/503, and the server's RSS over
// the second half of the time after warm-up within 10% of the first half (medians, scripts/soak.ts).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { soak } from '../../scripts/soak.js';

it('a minute of mixed reads and writes: no errors, no memory growth after warm-up', async (t) => {
  const report = await soak({
    seconds: 60,
    warmupSeconds: 20,
    readers: 4,
    writers: 1,
    owners: 20,
    log: (line) => t.diagnostic(line),
  });
  t.diagnostic(JSON.stringify(report));
  assert.ok(report.requests > 500, `the server was under load (${report.requests} requests)`);
  assert.ok(
    (report.statuses['200'] ?? 0) > 0 && (report.statuses['304'] ?? 0) > 0,
    'reads and revalidations',
  );
  assert.equal(report.errors, 0, report.errorSamples.join('\n'));
  assert.ok(
    report.rssGrowth <= 0.1,
    `RSS grew ${Math.round(report.rssGrowth * 100)}% (${report.rssAfterWarmupMb} -> ${report.rssAtEndMb} MB)`,
  );
});
