// The process's logger: JSON lines (pino) for operators. Never tokens, secrets or image bytes:
// request lines log a redacted URL (http/logged-url.ts) and no headers; these paths are a second
// guard should an object carrying credentials ever be logged whole.
import { type DestinationStream, type Logger, pino } from 'pino';

export const REDACTED_PATHS = [
  'authorization',
  'password',
  'client_secret',
  'code',
  'code_verifier',
  'access_token',
  'id_token',
  'refresh_token',
  'client_assertion',
  '*.authorization',
  '*.password',
  '*.client_secret',
  '*.access_token',
  '*.code_verifier',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * Standard output for a server's log, written asynchronously in batches of up to 4 KiB (tens of
 * request lines) and at least every 200 ms, so a busy server makes one write where it would make
 * dozens. Flushed on exit and on close; a SIGKILL loses at most the last 200 ms.
 */
export const serverLogDestination = () =>
  pino.destination({ sync: false, minLength: 4096, periodicFlush: 200 });

/**
 * For the one line per request. Its fields are fixed (request id, method, the URL with secrets
 * already taken out by http/logged-url.ts, status, time), so the wildcard redaction above, which
 * costs ~3 µs a line (a tenth of a photo read), is left off.
 */
export const requestLineLogger = (logger: Logger): Logger => logger.child({}, { redact: { paths: [] } });
