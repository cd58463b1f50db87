// Upload admission: a slot per upload until its reply is done; a bounded line behind that, with a
// bounded wait; beyond either, 503 with Retry-After.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { it } from 'node:test';
import type { FastifyReply } from 'fastify';
import { GraphError } from '../../src/errors.js';
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

it('admits up to the limit, lets a bounded line wait, and refuses the rest with 503', async () => {
  const gate = new UploadGate({ limit: 2, waiting: 1, maxWaitMs: 10_000 });
  const first = reply();
  await gate.admit(first);
  const second = reply();
  await gate.admit(second);
  let waited = false;
  const third = gate.admit(reply()).then(() => {
    waited = true;
  });
  await assert.rejects(gate.admit(reply()), busy, 'the line is full');
  assert.equal(waited, false);
  first.raw.emit('finish');
  first.raw.emit('close'); // both events of one reply free one slot
  await third;
  assert.equal(waited, true, 'the waiting upload took the freed slot');
  const fifth = gate.admit(reply()); // the line has room again
  await assert.rejects(gate.admit(reply()), busy, 'and is full again');
  second.raw.emit('close');
  await fifth;
});

it('refuses an upload that waited too long', async () => {
  const gate = new UploadGate({ limit: 1, waiting: 5, maxWaitMs: 20 });
  await gate.admit(reply());
  await assert.rejects(gate.admit(reply()), busy);
});

it('passes the slot on at once when the waiting client has gone', async () => {
  const gate = new UploadGate({ limit: 1, waiting: 5, maxWaitMs: 10_000 });
  const holder = reply();
  await gate.admit(holder);
  const gone = reply();
  const goneAdmitted = gate.admit(gone);
  const next = gate.admit(reply());
  gone.raw.destroyed = true;
  holder.raw.emit('close');
  await goneAdmitted;
  await next; // admitted because the departed one released its turn
});
