// Upload admission in two stages: an admission per upload until its reply is done (bounded, 503
// beyond), and a processing slot only around the work, with a bounded line and a bounded wait.
// And the body deadline: a grace time, then a minimum average rate, never more than the total.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { it } from 'node:test';
import type { FastifyReply } from 'fastify';
import { GraphError } from '../../src/errors.js';
import { bodyDeadline } from '../../src/http/body-deadline.js';
import { UploadGate } from '../../src/http/upload-gate.js';

/** A reply whose underlying response can finish or close, as Node's does. */
const reply = () => {
  const raw = Object.assign(new EventEmitter(), { destroyed: false });
  return { raw } as unknown as FastifyReply & { raw: EventEmitter & { destroyed: boolean } };
};

const busy = (e: unknown) =>
  e instanceof GraphError &&
  e.status === 503 &&
  e.code === 'serviceNotAvailable' &&
  e.headers['retry-after'] === '1';

/** Work that ends when the test says so. */
const pending = () => {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return { done, finish };
};

it('admits up to its bound before bodies are read, and refuses the rest with 503 at once', () => {
  const gate = new UploadGate({ limit: 1, admitted: 2, maxWaitMs: 10_000 });
  const first = reply();
  gate.admit(first);
  gate.admit(reply());
  assert.throws(() => gate.admit(reply()), busy);
  first.raw.emit('finish');
  first.raw.emit('close'); // both events of one reply free one admission
  assert.equal(gate.admittedCount, 1);
  gate.admit(reply());
  assert.throws(() => gate.admit(reply()), busy);
});

it('an admitted upload that is still receiving holds no processing slot', async () => {
  const gate = new UploadGate({ limit: 1, admitted: 10, maxWaitMs: 10_000 });
  for (let i = 0; i < 9; i++) gate.admit(reply()); // nine slow senders
  const ready = reply();
  gate.admit(ready);
  assert.equal(await gate.process(ready, async () => 'stored'), 'stored');
});

it('processes up to the limit, lets the rest wait in order, and hands each slot on', async () => {
  const gate = new UploadGate({ limit: 2, admitted: 10, maxWaitMs: 10_000 });
  const order: string[] = [];
  const a = pending();
  const b = pending();
  const first = gate.process(reply(), () => a.done.then(() => order.push('a')));
  const second = gate.process(reply(), () => b.done.then(() => order.push('b')));
  const third = gate.process(reply(), async () => order.push('c'));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, [], 'the third waits while two run');
  b.finish();
  await second;
  await third;
  assert.deepEqual(order, ['b', 'c'], 'the freed slot went to the one waiting');
  a.finish();
  await first;
});

it('refuses an upload that waited too long for a processing slot', async () => {
  const gate = new UploadGate({ limit: 1, admitted: 10, maxWaitMs: 20 });
  const held = pending();
  const holder = gate.process(reply(), () => held.done);
  await assert.rejects(
    gate.process(reply(), async () => 'never'),
    busy,
  );
  held.finish();
  await holder;
});

it('takes a waiting upload out of line as soon as its client has gone', async () => {
  const gate = new UploadGate({ limit: 1, admitted: 10, maxWaitMs: 10_000 });
  const held = pending();
  const holder = gate.process(reply(), () => held.done);
  const gone = reply();
  let goneRan = false;
  const goneWork = gate.process(gone, async () => {
    goneRan = true;
  });
  const next = gate.process(reply(), async () => 'next');
  // The connection closes, as Node's response says: refused at once, not when a slot frees.
  gone.raw.destroyed = true;
  gone.raw.emit('close');
  await assert.rejects(goneWork, busy);
  held.finish();
  await holder;
  assert.equal(goneRan, false);
  assert.equal(await next, 'next');
});

it('frees the slot when the work fails', async () => {
  const gate = new UploadGate({ limit: 1, admitted: 10, maxWaitMs: 50 });
  await assert.rejects(
    gate.process(reply(), async () => {
      throw new Error('bad image');
    }),
    /bad image/,
  );
  assert.equal(await gate.process(reply(), async () => 'ok'), 'ok');
});

it('a body has the grace time, then time for its bytes at the minimum rate, never more than the total', () => {
  const rules = { totalMs: 120_000, graceMs: 10_000, minBytesPerSecond: 1000 };
  assert.equal(bodyDeadline(rules, 0, 0), 10_000, 'nothing sent: the grace time');
  assert.equal(bodyDeadline(rules, 0, 5), 10_005, 'a trickle buys almost nothing');
  assert.equal(bodyDeadline(rules, 0, 50_000), 60_000, '50 kB at 1 kB/s buys 50 s more');
  assert.equal(bodyDeadline(rules, 0, 4_000_000), 120_000, 'never past the total');
  assert.equal(bodyDeadline({ ...rules, minBytesPerSecond: 0 }, 1000, 0), 121_000, 'no rate: the total');
});
