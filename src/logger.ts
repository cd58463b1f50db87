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
