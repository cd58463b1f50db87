import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { MirrorState, MirrorStateError } from '../../src/bulk/mirror-state.js';

const dir = mkdtempSync(join(tmpdir(), 'portrait-state-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const FROM = 'https://a.example/v1.0';
const TO = 'https://b.example/v1.0';

describe('mirror state file', () => {
  it('continues an interrupted run, even after a crash cut its last line short', () => {
    const path = join(dir, 'crash.jsonl');
    const first = MirrorState.open(path, FROM, TO);
    first.record('u1', 'one@x', '"E1"');
    first.record('u2', 'two@x', null);
    appendFileSync(path, '{"run":1,"id":"u3","upn":"thr');
    const resumed = MirrorState.open(path, FROM, TO);
    assert.equal(resumed.resumed, true);
    assert.equal(resumed.doneThisRun('u1'), true);
    assert.equal(resumed.doneThisRun('u2'), true);
    assert.equal(resumed.doneThisRun('u3'), false);
  });

  it('starts a new run after a finished one, remembering the ETags it copied', () => {
    const path = join(dir, 'finished.jsonl');
    const first = MirrorState.open(path, FROM, TO);
    first.record('u1', 'one@x', '"E1"');
    first.finish();
    const next = MirrorState.open(path, FROM, TO);
    assert.equal(next.resumed, false);
    assert.equal(next.doneThisRun('u1'), false);
    assert.deepEqual(next.recorded('u1'), { upn: 'one@x', etag: '"E1"', run: 1 });
    // Compacted: the header, one line per user, the new run.
    assert.equal(readFileSync(path, 'utf8').trim().split('\n').length, 3);
  });

  it("refuses another mirror's file, and a file that is not a state file", () => {
    const path = join(dir, 'other.jsonl');
    MirrorState.open(path, FROM, TO);
    assert.throws(() => MirrorState.open(path, FROM, 'https://c.example/v1.0'), MirrorStateError);
    const junk = join(dir, 'junk.jsonl');
    appendFileSync(junk, 'not json\n{"also": "not a header"}\n');
    assert.throws(() => MirrorState.open(junk, FROM, TO), /not a mirror state file/);
  });
});
