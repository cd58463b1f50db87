// Crash safety (SPEC §4, issue 15), bounded: the real server is SIGKILLed three times while
// photos are being uploaded, restarted each time, and every owner must then hold one complete set
// (the acknowledged upload or one cut off by the kill, never a mix or nothing), with the SQLite
// file passing its integrity check. `npm run crash-test` runs the same with 200 uploads.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { crashTest } from '../../scripts/crash-test.js';

it('three kills during uploads lose and mix nothing, and the store stays intact', async (t) => {
  const report = await crashTest({
    uploads: 18,
    perCycle: 6,
    owners: 4,
    seed: 15,
    log: (line) => t.diagnostic(line),
  });
  t.diagnostic(JSON.stringify(report));
  assert.deepEqual(report.violations, []);
  assert.equal(report.cycles, 3, 'three kills');
  assert.equal(report.attempted, 18);
  assert.equal(report.acknowledged + report.interrupted + report.notSent, 18);
  assert.ok(report.acknowledged > 0, 'some uploads were answered before a kill');
  assert.equal(report.integrity, 'ok');
});
