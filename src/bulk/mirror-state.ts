// The state file that makes `photos mirror` resumable: JSON Lines, one line appended per user
// done, so an interruption (Ctrl-C, a crash, a lost connection) loses at most the users in flight
// and a torn last line is simply ignored.
//
//   {"portraitMirror":1,"from":"https://a/v1.0","to":"https://b/v1.0"}       the header
//   {"run":2,"started":"2026-11-23T10:00:00.000Z"}                           a run begins
//   {"run":2,"id":"<source id>","upn":"adele@…","etag":"\"8A3F01B2\""}        a user is done (etag null: no photo)
//   {"run":2,"finished":"2026-11-23T10:05:00.000Z"}                          the run got through every user
//
// A run that did not finish is continued: its users are not asked for again. After a finished
// run a new one starts, and a user whose source ETag is the one recorded is not copied again.
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

interface Header {
  portraitMirror: 1;
  from: string;
  to: string;
}

export interface UserRecord {
  upn: string;
  /** The source photo's ETag when it was copied; null when the user had no photo. */
  etag: string | null;
  run: number;
}

/** The file belongs to another mirror, or is not a state file: a usage error. */
export class MirrorStateError extends Error {}

type Line =
  | Header
  | { run: number; started: string }
  | { run: number; finished: string }
  | ({ run: number; id: string } & Omit<UserRecord, 'run'>);

export class MirrorState {
  private readonly users = new Map<string, UserRecord>();
  private run = 0;
  private finished = true;
  /** Whether this run continues one that was interrupted. */
  resumed = false;

  private constructor(
    readonly path: string,
    private readonly header: Header,
  ) {}

  /** Reads the file (or starts one) and begins a run: a new one, or the interrupted one again. */
  static open(path: string, from: string, to: string): MirrorState {
    const header: Header = { portraitMirror: 1, from, to };
    const state = new MirrorState(path, header);
    if (existsSync(path)) state.load(readFileSync(path, 'utf8'));
    state.begin();
    return state;
  }

  private load(text: string): void {
    const lines = text.split('\n').filter(Boolean);
    lines.forEach((raw, index) => {
      let line: Line;
      try {
        line = JSON.parse(raw) as Line;
      } catch {
        // The last line may have been cut short by a crash; anything else means another file.
        if (index === lines.length - 1) return;
        throw new MirrorStateError(`${this.path} is not a mirror state file (line ${index + 1})`);
      }
      if (index === 0) {
        const header = line as Header;
        if (header.portraitMirror !== 1)
          throw new MirrorStateError(`${this.path} is not a mirror state file`);
        if (header.from !== this.header.from || header.to !== this.header.to) {
          throw new MirrorStateError(
            `${this.path} is the state of a mirror from ${header.from} to ${header.to}; give this one its own --state file`,
          );
        }
      } else if ('id' in line) {
        this.users.set(line.id, { upn: line.upn, etag: line.etag, run: line.run });
      } else if ('started' in line) {
        this.run = line.run;
        this.finished = false;
      } else if ('finished' in line && line.run === this.run) {
        this.finished = true;
      }
    });
  }

  /** Rewrites the file compacted (one line per user), so it does not grow run after run. */
  private begin(): void {
    this.resumed = !this.finished;
    if (this.finished) this.run++;
    const lines: Line[] = [
      this.header,
      ...[...this.users].map(([id, record]) => ({ ...record, id })),
      { run: this.run, started: new Date().toISOString() },
    ];
    writeFileSync(`${this.path}.tmp`, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    renameSync(`${this.path}.tmp`, this.path);
    this.finished = false;
  }

  private append(line: Line): void {
    appendFileSync(this.path, `${JSON.stringify(line)}\n`);
  }

  /** Done in this run already (before an interruption): nothing to ask for. */
  doneThisRun(id: string): boolean {
    return this.users.get(id)?.run === this.run;
  }

  /** The source ETag recorded for this user by an earlier run. */
  recorded(id: string): UserRecord | undefined {
    return this.users.get(id);
  }

  record(id: string, upn: string, etag: string | null): void {
    const record = { upn, etag, run: this.run };
    this.users.set(id, record);
    this.append({ ...record, id });
  }

  finish(): void {
    this.finished = true;
    this.append({ run: this.run, finished: new Date().toISOString() });
  }
}
