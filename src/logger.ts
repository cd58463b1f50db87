// The process's logger: JSON lines (pino) for operators. Never tokens, secrets or image bytes:
// request lines log a redacted URL (http/logged-url.ts) and no headers; these paths are a second
// guard should an object carrying credentials ever be logged whole.
import { writeSync } from 'node:fs';
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

const STDOUT = 1;

/**
 * Standard output for a server's log, written asynchronously in batches of up to 4 KiB (tens of
 * request lines) and at least every 200 ms, so a busy server makes one write where it would make
 * dozens. Flushed on exit and on close; a SIGKILL loses at most the last 200 ms.
 */
export const serverLogDestination = (): DestinationStream =>
  new LinesPerTurn(
    pino.destination({ dest: STDOUT, sync: false, minLength: 4096, periodicFlush: 200 }),
    STDOUT,
  );

type Sink = ReturnType<typeof pino.destination>;

/** Destinations holding lines not yet handed on, for the exit handler below. */
const holding = new Set<LinesPerTurn>();

/**
 * Hands the lines written during one turn of the event loop to sonic-boom as one string.
 * sonic-boom measures the UTF-8 length of its whole pending buffer on every write (up to 16 KiB
 * while a write is in flight), which at tens of thousands of request lines a second cost more
 * than making the lines; once per turn it is noise.
 */
class LinesPerTurn implements DestinationStream {
  private lines: string[] = [];

  constructor(
    private readonly sink: Sink,
    /** sonic-boom's file descriptor. */
    private readonly fd: number,
  ) {}

  write(line: string): void {
    if (this.lines.length === 0) {
      holding.add(this);
      setImmediate(this.handOn);
    }
    this.lines.push(line);
  }

  private take(): string {
    holding.delete(this);
    const lines = this.lines;
    this.lines = [];
    return lines.length === 1 ? lines[0]! : lines.join('');
  }

  private readonly handOn = (): void => {
    if (this.lines.length > 0) this.sink.write(this.take());
  };

  flush(done?: (error?: Error) => void): void {
    this.handOn();
    this.sink.flush(done);
  }

  /**
   * Writes everything now (at exit). sonic-boom's own buffer goes first; this turn's lines are
   * then written here, since handing them to sonic-boom could start an asynchronous write that
   * the exiting process never finishes.
   */
  flushSync(): void {
    const last = this.lines.length > 0 ? this.take() : '';
    this.sink.flushSync();
    writeFully(this.fd, last);
  }
}

/** writeSync until all is written, waiting out a full non-blocking pipe (EAGAIN) for up to a second. */
function writeFully(fd: number, text: string): void {
  let rest = Buffer.from(text);
  for (let waits = 0; rest.length > 0; ) {
    try {
      rest = rest.subarray(writeSync(fd, rest));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN' || ++waits > 100) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
}

// At exit, whatever a destination still holds is written after sonic-boom's own buffer (flushSync).
process.on('exit', () => {
  for (const destination of holding) {
    try {
      destination.flushSync();
    } catch {
      // A closed or broken output (EPIPE): at exit there is nowhere left to say so.
    }
  }
});

/**
 * For the one line per request. Its fields are fixed (request id, method, the URL with secrets
 * already taken out by http/logged-url.ts, status, time), so the wildcard redaction above, which
 * costs ~3 µs a line (a tenth of a photo read), is left off.
 */
export const requestLineLogger = (logger: Logger): Logger => logger.child({}, { redact: { paths: [] } });
