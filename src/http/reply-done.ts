// What a request holds is let go exactly once, whether the reply was sent or the client went away
// first: slots (throttling's concurrency, the upload gate) are given back, streams are ended.
import type { Readable } from 'node:stream';
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

/**
 * Makes a stream made for one request end with it (SPEC §10): destroyed when the reply has been
 * sent or its connection closed, whatever the answer was, so none of its timers or listeners
 * outlives the request. Its reader (Fastify's body parser) hears its errors while it reads; an
 * error after the reader has stopped — the answer was decided before the body was read — belongs
 * to a request that already has its answer, and is only logged.
 */
export function endWithReply<S extends Readable>(reply: FastifyReply, stream: S): S {
  stream.on('error', (error) => {
    if (stream.listenerCount('error') === 1)
      reply.log.debug({ err: error, reqId: reply.request.id }, 'a request body failed after its answer');
  });
  whenReplyDone(reply, () => stream.destroy());
  return stream;
}
