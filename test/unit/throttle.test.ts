// The throttle's arithmetic with a frozen clock: windows, Retry-After, concurrency slots.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GraphError } from '../../src/errors.js';
import { GRAPH_LIKE, parseThrottle, Throttle } from '../../src/http/throttle.js';

const refusal = (run: () => unknown): number => {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof GraphError);
    assert.equal(error.status, 429);
    assert.equal(error.code, 'TooManyRequests');
    return Number(error.headers['retry-after']);
  }
  assert.fail('was admitted');
};

describe('throttle', () => {
  it('parses profiles and rules, and refuses nonsense', () => {
    assert.deepEqual(parseThrottle('off'), {});
    assert.deepEqual(parseThrottle('graph-like'), GRAPH_LIKE);
    assert.deepEqual(parseThrottle('tenant=100/1m, app=10/10s,concurrency=2'), {
      tenant: { limit: 100, windowSeconds: 60 },
      app: { limit: 10, windowSeconds: 10 },
      concurrency: 2,
    });
    for (const bad of ['fast', 'app=10', 'app=0/10s', 'user=1/1s', 'concurrency=x']) {
      assert.throws(() => parseThrottle(bad), TypeError, bad);
    }
  });

  it('counts per app and per mailbox in fixed windows, with Retry-After until the window ends', () => {
    let now = 1_000_000;
    const throttle = new Throttle(parseThrottle('app=3/10s,mailbox=2/10s'), () => now);
    throttle.admit('t', 'app', 'alice')();
    throttle.admit('t', 'app', 'alice')();
    assert.equal(
      refusal(() => throttle.admit('t', 'app', 'alice')),
      10,
      'alice is over her mailbox limit',
    );
    throttle.admit('t', 'app', 'bob')();
    now += 4000;
    assert.equal(
      refusal(() => throttle.admit('t', 'app', 'carol')),
      6,
      'the app is over its limit',
    );
    throttle.admit('t', 'other-app', 'alice')();
    throttle.admit('other-tenant', 'app', 'alice')();
    now += 6000;
    throttle.admit('t', 'app', 'alice')();
  });

  it('holds concurrency slots per app and mailbox until released', () => {
    const throttle = new Throttle(parseThrottle('concurrency=2'));
    const first = throttle.admit('t', 'a', 'm');
    const second = throttle.admit('t', 'a', 'm');
    assert.equal(
      refusal(() => throttle.admit('t', 'a', 'm')),
      1,
    );
    throttle.admit('t', 'a', 'other-mailbox');
    first();
    first(); // releasing twice frees one slot only
    const third = throttle.admit('t', 'a', 'm');
    assert.equal(
      refusal(() => throttle.admit('t', 'a', 'm')),
      1,
    );
    second();
    third();
  });
});
