// Answers written at the end of the event loop's turn (src/http/turn-end.ts): all of a turn's
// answers go out together, in order, and one that throws keeps none of the others back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { atTurnEnd } from '../../src/http/turn-end.js';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('answers at the end of the turn', () => {
  it('runs every write of the turn after the turn, in order, even when one throws', async () => {
    const done: string[] = [];
    const failures: unknown[] = [];
    const failed = (error: unknown) => failures.push(error);
    atTurnEnd(() => done.push('first'), failed);
    atTurnEnd(() => {
      throw new Error('broken answer');
    }, failed);
    atTurnEnd(() => done.push('third'), failed);
    assert.equal(done.length, 0, 'nothing is written during the turn');
    await nextTurn();
    assert.deepEqual(done, ['first', 'third']);
    assert.equal((failures[0] as Error).message, 'broken answer');

    // A write queued while the turn's writes run goes out at the end of the next turn.
    atTurnEnd(() => {
      done.push('fourth');
      atTurnEnd(() => done.push('fifth'), failed);
    }, failed);
    await nextTurn();
    assert.deepEqual(done, ['first', 'third', 'fourth']);
    await nextTurn();
    assert.deepEqual(done, ['first', 'third', 'fourth', 'fifth']);
  });
});
