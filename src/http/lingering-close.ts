// SPEC §10: an answer sent while the client is still sending its body (a 413 from Content-Length,
// a 401, 403, 415 or 503) must reach that client. Closing a connection with bytes unread makes the
// kernel answer them with a reset, and a client still writing then sees ECONNRESET or EPIPE
// instead of the answer. So, as nginx's lingering close does, such an answer says
// `Connection: close`, the server stops writing once it is out, reads and drops what the client
// still sends, and closes when the client has sent it all — or at the first of LINGER's bounds.
import { Socket } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex, Readable } from 'node:stream';

/** How long, how idle and how much a closing connection is read before it is closed anyway. */
export const LINGER = {
  /** In all, from the answer on (nginx: lingering_time 30 s; an answer is read in far less). */
  totalMs: 5_000,
  /** Without a byte from the client (nginx: lingering_timeout 5 s). */
  idleMs: 2_000,
  /** Bytes dropped at most: a 10 MB body is read to its end, an endless one is not. */
  maxBytes: 32 * 1024 * 1024,
};

/** Sockets already lingering: each is drained and closed once. */
const lingering = new WeakSet<Duplex>();

/** How often a lingering socket's progress is looked at. */
const TICK_MS = 250;

/**
 * Reads and drops what `source` (the socket, or the request its parser feeds) still delivers,
 * then destroys `socket` once what was written to it has gone out: when the source ends, or at
 * the first of LINGER's bounds. The caller has ended, or is ending, the socket's writable side.
 * Progress is the socket's own count of bytes read: Node's parser drops the body of a request
 * nobody reads without a 'data' event.
 */
export function drainThenClose(socket: Socket, source: Readable = socket): void {
  if (lingering.has(socket)) return;
  lingering.add(socket);
  const startedAt = Date.now();
  const firstByte = socket.bytesRead;
  let seen = firstByte;
  let quietSince = startedAt;
  let drained = false;
  const stop = () => clearInterval(watch);
  // Past a bound: closed now, whatever is still unread or unwritten.
  const cut = () => {
    stop();
    socket.destroy();
  };
  // Unref'd: a connection being closed never holds the process up.
  const watch = setInterval(() => {
    const now = Date.now();
    const read = socket.bytesRead;
    if (read !== seen) {
      seen = read;
      quietSince = now;
    }
    const idle = !drained && now - quietSince >= LINGER.idleMs;
    if (idle || now - startedAt >= LINGER.totalMs || read - firstByte > LINGER.maxBytes) cut();
  }, TICK_MS).unref();
  // The client has sent it all: closed once the answer has gone out (the total bound still holds).
  const drainedAll = () => {
    if (drained) return;
    drained = true;
    if (socket.writableFinished) cut();
    else socket.once('finish', cut);
  };
  socket.once('close', stop);
  // A client that resets the connection while it is drained has gone: nothing more to do.
  socket.on('error', cut);
  source.unpipe();
  source.once('end', drainedAll);
  source.once('error', cut);
  source.resume();
}

/**
 * Called as an answer is about to be written: when the request's body is not all in, the answer
 * closes the connection, and the rest of the body is drained first (drainThenClose). Node's
 * server closes a `Connection: close` socket with `destroySoon()` once the answer is written;
 * this socket's `destroySoon` drains it first. Requests made inside the process ($batch items)
 * have no socket and nothing to drain.
 */
export function lingerAfterAnswer(request: IncomingMessage, response: ServerResponse): void {
  const socket = request.socket;
  if (request.complete || !(socket instanceof Socket) || response.headersSent) return;
  response.setHeader('connection', 'close');
  socket.destroySoon = () => {
    // The body may have come in whole while the answer was being written: close as Node would.
    if (request.complete) return Socket.prototype.destroySoon.call(socket);
    socket.end();
    drainThenClose(socket, request);
  };
}
