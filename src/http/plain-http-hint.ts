// Plain HTTP sent to the HTTPS port (`curl http://localhost:8443/...`) gets a short plain-text 400
// saying to use https://, where the TLS layer alone would drop the connection and leave the person
// with "Empty reply from server". Each new connection's first bytes decide: a TLS handshake goes to
// the TLS server untouched; an HTTP request line gets the hint. Only the first read of a connection
// is looked at, so requests on an open connection cost nothing extra.
import type { Socket } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import { drainThenClose } from './lingering-close.js';

/** Every TLS connection opens with a handshake record: content type 22. */
const TLS_HANDSHAKE = 0x16;

/** The request line of plain HTTP/1.x: what a browser or curl sends to an http:// URL. */
const HTTP_REQUEST = /^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) (\/[\x21-\x7e]*) HTTP\/1\.[01]\r\n/;
const HOST_HEADER = /\r\nhost: *([\w.:[\]-]+) *\r\n/i;

/** Node's own default for the TLS handshake; the first bytes are waited for as long. */
const FIRST_BYTES_TIMEOUT_MS = 120_000;

function hint(request: string): string {
  const target = HTTP_REQUEST.exec(request)?.[2];
  const host = HOST_HEADER.exec(request)?.[1];
  const body =
    target && host
      ? `This port speaks HTTPS, not plain HTTP: use https://${host}${target}\n`
      : 'This port speaks HTTPS, not plain HTTP: use an https:// URL.\n';
  return [
    'HTTP/1.1 400 Bad Request',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

/** Makes `server` answer plain HTTP requests with the hint; TLS connections are handed on unchanged. */
export function answerPlainHttp<T extends TlsServer>(server: T): T {
  // The TLS server's own listener wraps each raw connection in a TLSSocket.
  const [handOver] = server.listeners('connection') as ((socket: Socket) => void)[];
  if (!handOver) throw new Error('the TLS server has no connection listener to hand connections to');
  server.removeListener('connection', handOver);
  server.on('connection', (socket: Socket) => {
    // Until the TLS server owns the socket, its errors and silence are handled here.
    const drop = () => socket.destroy();
    socket.on('error', drop).on('timeout', drop).setTimeout(FIRST_BYTES_TIMEOUT_MS);
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.removeListener('error', drop).removeListener('timeout', drop).setTimeout(0);
      const text = first[0] === TLS_HANDSHAKE ? '' : first.toString('latin1');
      if (!HTTP_REQUEST.test(text)) {
        // Back in the buffer: the TLSSocket reads what is buffered before anything else.
        socket.unshift(first);
        handOver.call(server, socket);
        return;
      }
      socket.end(hint(text));
      // The rest of the request is read and dropped, within bounds, so the hint is not lost to a
      // reset, and the connection is closed even if the client never closes it.
      drainThenClose(socket);
    });
  });
  return server;
}
