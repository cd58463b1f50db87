// Requests written by hand on a socket, for tests of what a client does mid-request: stop
// sending, hang up, declare a body it never sends. Plain TCP or TLS, as the server's URL says.
import { connect as connectTcp } from 'node:net';
import type { Duplex } from 'node:stream';
import { type ConnectionOptions, connect as connectTls } from 'node:tls';

export interface RawAnswer {
  /** The status the server answered with; undefined when none came. */
  status: number | undefined;
  /** The answer as received so far (head and body). */
  readonly text: string;
  socket: Duplex;
  /** Ends the connection from the client's side. */
  close(): void;
}

/** Opens a connection to the server at `base` (`https://…` over TLS, any certificate). */
export function openConnection(base: string): Promise<Duplex> {
  const url = new URL(base);
  const port = Number(url.port);
  // Half-open: the server's end of writing (after its answer) does not end the client's sending.
  const options = { host: url.hostname, port, allowHalfOpen: true };
  return new Promise((resolve, reject) => {
    const socket =
      url.protocol === 'https:'
        ? connectTls({ ...options, rejectUnauthorized: false } as ConnectionOptions, () => resolve(socket))
        : connectTcp(options, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** An HTTP/1.1 request head, `Host` included. */
export function requestHead(method: string, path: string, headers: Record<string, string>): string {
  const lines = Object.entries({ host: 'localhost', ...headers }).map(([name, value]) => `${name}: ${value}`);
  return `${method} ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

export interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** The body bytes actually sent, whatever the headers declare. */
  sent?: Buffer;
  /** After sending: keep the connection open without sending more ('stall'), or hang up ('hang-up'). */
  ending: 'stall' | 'hang-up';
  /** How long to wait for an answer before giving up on one (stalled requests). */
  waitMs?: number;
}

/**
 * Sends the head and `sent`, then stalls or hangs up. A stalled request resolves with the answer
 * (or none within `waitMs`) and leaves the connection open for the server to close; `close()`
 * ends it from the client's side.
 */
export async function rawRequest(base: string, request: RawRequest): Promise<RawAnswer> {
  const socket = await openConnection(base);
  socket.on('error', () => {
    // A reset after the answer (or instead of one) shows as a missing status.
  });
  let text = '';
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1');
  });
  socket.write(requestHead(request.method, request.path, request.headers));
  if (request.sent && request.sent.length > 0) socket.write(request.sent);
  const answer = (status: number | undefined): RawAnswer => ({
    status,
    get text() {
      return text;
    },
    socket,
    close: () => socket.destroy(),
  });
  if (request.ending === 'hang-up') {
    socket.destroy();
    return answer(undefined);
  }
  const deadline = Date.now() + (request.waitMs ?? 5_000);
  while (!/\r\n\r\n/.test(text) && !socket.destroyed && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const status = /^HTTP\/1\.1 (\d{3}) /.exec(text)?.[1];
  return answer(status ? Number(status) : undefined);
}

/** The Graph error code in an answer's JSON body, once the whole body has come. */
export async function errorCodeOf(answer: RawAnswer): Promise<string | undefined> {
  for (let i = 0; i < 100; i++) {
    const match = /"code":"([^"]+)"/.exec(answer.text);
    if (match) return match[1];
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return undefined;
}
