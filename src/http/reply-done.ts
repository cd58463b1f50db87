// Slots held for the life of a request (throttling's concurrency, the upload gate) are given back
// exactly once, whether the reply was sent or the client went away first.
import type { FastifyReply } from 'fastify';

/** Runs `done` once, when the reply has been sent or its connection closed; at once if it already has. */
export function whenReplyDone(reply: FastifyReply, done: () => void): void {
  if (reply.raw.destroyed) {
    done();
    return;
  }
  let called = false;
  const once = () => {
    if (called) return;
    called = true;
    done();
  };
  reply.raw.once('finish', once);
  reply.raw.once('close', once);
}
