// The throttle's arithmetic with a frozen clock: windows, Retry-After, concurrency slots; and
// nodes sharing one counter store (SPEC §10): bursts held to the limit, shares given back.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { GraphError } from '../../src/errors.js';
import { GRAPH_LIKE, parseThrottle } from '../../src/domain/throttle-rules.js';
import { type Release, Throttle } from '../../src/http/throttle.js';
import { migrateBackend, openBackend } from '../../src/store/open-store.js';
import { SqlCounterStore } from '../../src/store/sql/sql-counter-store.js';
import type { CounterStore } from '../../src/store/counter-store.js';

/** Alone (no shared counter), a throttle decides from memory: at once, never a promise. */
const decided = (admitted: Release | Promise<Release>): Release => {
  assert.equal(typeof admitted, 'function', 'decided at once');
  return admitted as Release;
};

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
    decided(throttle.admit('t', 'app', 'alice'))();
    decided(throttle.admit('t', 'app', 'alice'))();
    assert.equal(
      refusal(() => throttle.admit('t', 'app', 'alice')),
      10,
      'alice is over her mailbox limit',
    );
    decided(throttle.admit('t', 'app', 'bob'))();
    now += 4000;
    assert.equal(
      refusal(() => throttle.admit('t', 'app', 'carol')),
      6,
      'the app is over its limit',
    );
    decided(throttle.admit('t', 'other-app', 'alice'))();
    decided(throttle.admit('other-tenant', 'app', 'alice'))();
    now += 6000;
    decided(throttle.admit('t', 'app', 'alice'))();
  });

  it('holds concurrency slots per app and mailbox until released', () => {
    const throttle = new Throttle(parseThrottle('concurrency=2'));
    const first = decided(throttle.admit('t', 'a', 'm'));
    const second = decided(throttle.admit('t', 'a', 'm'));
    assert.equal(
      refusal(() => throttle.admit('t', 'a', 'm')),
      1,
    );
    decided(throttle.admit('t', 'a', 'other-mailbox'));
    first();
    first(); // releasing twice frees one slot only
    const third = decided(throttle.admit('t', 'a', 'm'));
    assert.equal(
      refusal(() => throttle.admit('t', 'a', 'm')),
      1,
    );
    second();
    third();
  });
});

/** Nodes' throttles on one real counter store (SQLite here; PostgreSQL in the e2e suite). */
async function withSharedCounter(
  work: (store: { counted: CounterStore; asked: () => number }) => Promise<void>,
) {
  const dir = mkdtempSync(join(tmpdir(), 'portrait-throttle-'));
  const backend = await openBackend(`sqlite:${join(dir, 'portrait.db')}`);
  await migrateBackend(backend);
  const counter = new SqlCounterStore(backend);
  let asked = 0;
  // The real store, counted: how often a node asks it.
  const counted: CounterStore = {
    reserve: (r) => {
      asked++;
      return counter.reserve(r);
    },
    addCounts: (d) => counter.addCounts(d),
    forgetCountsBefore: (n) => counter.forgetCountsBefore(n),
  };
  try {
    await work({ counted, asked: () => asked });
  } finally {
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** 200 when admitted (its slot released at once), else the refusal's status; sync or async alike. */
const outcome = async (admit: () => Release | Promise<Release>): Promise<number> => {
  try {
    (await admit())();
    return 200;
  } catch (error) {
    assert.ok(error instanceof GraphError);
    return error.status;
  }
};

describe('throttle across nodes', () => {
  it('admits a burst alternating between two nodes at most 10 % over the limit (SPEC §10)', async () => {
    await withSharedCounter(async (store) => {
      const rules = parseThrottle('app=30/600s');
      const nodes = [
        new Throttle(rules, Date.now, store.counted),
        new Throttle(rules, Date.now, store.counted),
      ];
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++)
        statuses.push(await outcome(() => nodes[i % 2]!.admit('t', 'app', undefined)));
      const admitted = statuses.filter((s) => s === 200).length;
      assert.ok(admitted >= 30 && admitted <= 33, `${admitted} of 40 admitted: ${statuses.join(' ')}`);
      assert.deepEqual(statuses.slice(admitted), Array(40 - admitted).fill(429), 'the rest refused');
      await Promise.all(nodes.map((node) => node.close()));
    });
  });

  it('asks the shared counter only now and then far from the limit, and every time near it', async () => {
    await withSharedCounter(async (store) => {
      const node = new Throttle(parseThrottle('app=100000/600s'), Date.now, store.counted);
      for (let i = 0; i < 1000; i++)
        assert.equal(await outcome(() => node.admit('t', 'far', undefined)), 200);
      // A share is a tenth of what is left: the first 1000 requests of 100,000 take one.
      assert.equal(store.asked(), 1, 'one share covers the first thousand');
      const near = new Throttle(parseThrottle('app=5/600s'), Date.now, store.counted);
      const before = store.asked();
      for (let i = 0; i < 5; i++) assert.equal(await outcome(() => near.admit('t', 'near', undefined)), 200);
      assert.equal(store.asked() - before, 5, 'with less than ten left, each request asks');
      await Promise.all([node.close(), near.close()]);
    });
  });

  it('admits requests arriving at once up to the limit, no more and no fewer', async () => {
    await withSharedCounter(async (store) => {
      const node = new Throttle(parseThrottle('app=4/600s'), Date.now, store.counted);
      const statuses = await Promise.all(
        Array.from({ length: 6 }, () => outcome(() => node.admit('t', 'app', undefined))),
      );
      assert.deepEqual(statuses.sort(), [200, 200, 200, 200, 429, 429]);
      await node.close();
    });
  });

  it('gives back what an idle node holds, so another node can use it', async () => {
    let now = 1_000_000;
    await withSharedCounter(async (store) => {
      const rules = parseThrottle('app=20/600s');
      const [a, b] = [
        new Throttle(rules, () => now, store.counted),
        new Throttle(rules, () => now, store.counted),
      ];
      assert.equal(await outcome(() => a.admit('t', 'app', undefined)), 200); // a holds 2, uses 1
      for (let i = 0; i < 19; i++) await outcome(() => b.admit('t', 'app', undefined));
      assert.equal(await outcome(() => b.admit('t', 'app', undefined)), 429, 'a still holds one');
      now += 2_000; // a has been idle for longer than a second
      await a.sync();
      now += 200; // past the moment b was told the window is full
      assert.equal(await outcome(() => b.admit('t', 'app', undefined)), 200, 'a gave its share back');
      assert.equal(await outcome(() => b.admit('t', 'app', undefined)), 429);
      await Promise.all([a.close(), b.close()]);
    });
  });
});
