// npm run crash-test: SIGKILL a real `portrait serve` at random moments while photos are being
// uploaded, restart it, and check that nothing was lost or mixed (SPEC §4, issue 15): every owner
// has one complete set — all sizes, one ETag, one picture — that is either the last upload it
// acknowledged or one of those still in flight at the kill, and the SQLite file passes
// `PRAGMA integrity_check`. Each upload is a picture of its own colour, so the colour says which
// upload a stored set came from.
//   npm run crash-test                                  # 200 uploads, on SQLite in a temp dir
//   npm run crash-test -- --uploads 50 --per-cycle 5 --seed 7
//   npm run crash-test -- --database postgres://postgres@127.0.0.1/crash   # an empty database; migrated here
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { Agent, request } from 'undici';
import { sidesForSquare } from '../src/domain/photo-sizes.js';
import { migrateStore, sqlitePath } from '../src/store/open-store.js';
import { type ServeProcess, serve } from '../test/support/cli.js';
import { prepareFixture } from './support/load-fixture.js';

export interface CrashTestOptions {
  /** Uploads to attempt in all. */
  uploads: number;
  /** Uploads started per server life; the kill falls somewhere among them. */
  perCycle: number;
  owners: number;
  /** Store URL; a SQLite file in a temporary directory when unset. */
  database?: string;
  seed: number;
  log?: (line: string) => void;
}

export interface CrashTestReport {
  cycles: number;
  attempted: number;
  acknowledged: number;
  /** Uploads cut off by a kill: sent, never answered. */
  interrupted: number;
  /** Uploads the kill came before. */
  notSent: number;
  /** Owners whose stored set came from an upload that was cut off: the new set, complete. */
  newerThanAcknowledged: number;
  ownersChecked: number;
  integrity: string;
  violations: string[];
}

type Rgb = [number, number, number];

interface Upload {
  owner: number;
  /** When it was sent and answered (ms, this process's clock). */
  startedAt: number;
  answeredAt?: number;
  /** The server life it was sent in. */
  cycle: number;
  colour: Rgb;
  side: number;
  status?: number;
  etag?: string;
}

/** A small deterministic generator, so a failing run can be repeated with its seed. */
function random(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

const near = (a: Rgb, b: Rgb, tolerance = 14) => a.every((v, i) => Math.abs(v - b[i]!) <= tolerance);

async function centre(bytes: Buffer): Promise<Rgb> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (Math.floor(info.height / 2) * info.width + Math.floor(info.width / 2)) * info.channels;
  return [data[at]!, data[at + 1]!, data[at + 2]!];
}

export async function crashTest(options: CrashTestOptions): Promise<CrashTestReport> {
  const log = options.log ?? (() => {});
  const next = random(options.seed);
  const dataDir = mkdtempSync(join(tmpdir(), 'portrait-crash-'));
  const database = options.database ?? `sqlite:${join(dataDir, 'portrait.db')}`;
  const violations: string[] = [];

  // The directory and a token, made before the first start (PostgreSQL is migrated as an
  // operator would, with `portrait migrate`; SQLite migrates itself on open).
  if (!sqlitePath(database)) await migrateStore(database);
  const { users, token } = await prepareFixture(database, `crash-${options.seed}`, options.owners, [
    'ProfilePhoto.ReadWrite.All',
  ]);

  const history: Upload[][] = users.map(() => []);
  let attempted = 0;
  let cycles = 0;
  let integrity = 'not checked';
  let server: ServeProcess | undefined;
  let agent: Agent | undefined;

  const call = async (method: string, path: string, body?: Buffer) => {
    const response = await request(`${server!.url}/v1.0${path}`, {
      method: method as 'GET',
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'image/jpeg' } : {}) },
      ...(body ? { body } : {}),
      dispatcher: agent!,
      headersTimeout: 60_000,
      bodyTimeout: 60_000,
    });
    const bytes = Buffer.from(await response.body.arrayBuffer());
    return { status: response.statusCode, etag: response.headers['etag'] as string | undefined, bytes };
  };

  const start = async () => {
    server = await serve([
      '--port',
      '0',
      '--data',
      dataDir,
      '--database',
      database,
      '--no-demo',
      '--log-level',
      'warn',
    ]);
    agent = new Agent({ connect: { ca: readFileSync(join(dataDir, 'tls', 'ca.pem')) } });
  };

  const kill = async () => {
    const child = server!.child;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    await agent!.destroy().catch(() => {});
  };

  /** Every owner's set is complete, one picture, and one the history allows. */
  const verify = async () => {
    for (const [owner, uploads] of history.entries()) {
      const user = users[owner]!;
      const list = await call('GET', `/users/${user.id}/photos`);
      const acked = uploads.filter((u) => u.status === 200);
      // What may be stored now: an acknowledged upload that no later one superseded (one sent after
      // it was answered), or one the kill cut off in this life (two at a time commit in either
      // order; cut-off uploads of earlier lives were settled when they were checked).
      const allowed = [
        ...acked.filter((u) => !acked.some((v) => v.startedAt > u.answeredAt!)),
        ...uploads.filter((u) => u.status === undefined && u.cycle === cycles),
      ];
      const lastAck = acked.length - 1;
      if (list.status !== 200) {
        violations.push(`owner ${owner}: GET photos answered ${list.status}`);
        continue;
      }
      const sizes: { id: string; width: number; '@odata.mediaEtag': string }[] = JSON.parse(
        list.bytes.toString(),
      ).value;
      if (sizes.length === 0) {
        if (lastAck >= 0) violations.push(`owner ${owner}: an acknowledged upload was lost`);
        continue;
      }
      const etags = new Set(sizes.map((s) => s['@odata.mediaEtag']));
      if (etags.size !== 1) violations.push(`owner ${owner}: sizes from ${etags.size} different sets`);
      const etag = [...etags][0]!;
      const colours: Rgb[] = [];
      for (const size of sizes) {
        const value = await call('GET', `/users/${user.id}/photos/${size.id}/$value`);
        if (value.status !== 200 || value.etag !== etag) {
          violations.push(
            `owner ${owner}: ${size.id} answered ${value.status} with ETag ${value.etag}, not ${etag}`,
          );
          continue;
        }
        colours.push(await centre(value.bytes));
      }
      if (colours.some((c) => !near(c, colours[0]!)))
        violations.push(`owner ${owner}: sizes show different pictures`);
      const source = allowed.find((u) => colours[0] && near(colours[0], u.colour));
      if (!source) {
        const told = uploads.map(
          (u) => `${u.colour.join(',')}@${u.side} cycle ${u.cycle}: ${u.status ?? 'no answer'}`,
        );
        violations.push(
          `owner ${owner}: the stored picture (${colours[0]?.join(',')}, ${sizes.length} sizes, ETag ${etag}) is neither the acknowledged upload nor one in flight; uploads: ${told.join('; ')}`,
        );
        continue;
      }
      const expected = sidesForSquare(source.side);
      if (sizes.length !== expected.length) {
        violations.push(
          `owner ${owner}: ${sizes.length} sizes stored, a ${source.side}px upload makes ${expected.length}`,
        );
      }
      if (source.etag && source.etag !== etag)
        violations.push(`owner ${owner}: ETag changed from the acknowledged one`);
      if (source.status === undefined) {
        // An upload cut off by the kill that had committed: from now on it is the one to keep.
        source.status = 200;
        source.etag = etag;
        source.answeredAt = performance.now();
      }
    }
  };

  const checkIntegrity = () => {
    const path = sqlitePath(database);
    // PostgreSQL checks every constraint at each commit; there is no file to check afterwards.
    if (!path) return 'ok (PostgreSQL enforces constraints at commit)';
    const db = new Database(path);
    try {
      const result = (db.pragma('integrity_check') as { integrity_check: string }[])
        .map((r) => r.integrity_check)
        .join('; ');
      const foreign = db.pragma('foreign_key_check') as unknown[];
      return foreign.length === 0 ? result : `${result}; ${foreign.length} foreign key violations`;
    } finally {
      db.close();
    }
  };

  let newer = 0;
  try {
    await start();
    while (attempted < options.uploads) {
      cycles++;
      const batch: Upload[] = [];
      const count = Math.min(options.perCycle, options.uploads - attempted);
      for (let i = 0; i < count; i++) {
        const n = attempted + i;
        const upload: Upload = {
          owner: Math.floor(next() * options.owners),
          cycle: cycles,
          startedAt: Number.POSITIVE_INFINITY,
          colour: [(n * 67 + 30) % 256, (n * 151 + 50) % 256, (n * 29 + 100) % 256],
          side: next() < 0.5 ? 300 : 700,
        };
        history[upload.owner]!.push(upload);
        batch.push(upload);
      }
      attempted += count;
      const bodies = await Promise.all(
        batch.map((u) =>
          sharp({
            create: {
              width: u.side,
              height: u.side,
              channels: 3,
              background: { r: u.colour[0], g: u.colour[1], b: u.colour[2] },
            },
          })
            .jpeg({ quality: 95 })
            .toBuffer(),
        ),
      );
      // Two at a time, so a kill can land on an upload being stored while another is read.
      let index = 0;
      let answered = 0;
      let finished = false;
      const worker = async () => {
        while (index < batch.length) {
          const i = index++;
          batch[i]!.startedAt = performance.now();
          try {
            const reply = await call('PUT', `/users/${users[batch[i]!.owner]!.id}/photo/$value`, bodies[i]!);
            batch[i]!.status = reply.status;
            batch[i]!.answeredAt = performance.now();
            answered++;
            if (reply.etag) batch[i]!.etag = reply.etag;
          } catch {
            return; // the server was killed under it: no answer
          }
        }
      };
      // The kill lands after a random number of answers and a random few ms more: while the next
      // uploads are being read, decoded or committed.
      const killAfter = Math.floor(next() * count);
      const running = Promise.all([worker(), worker()]).then(() => {
        finished = true;
      });
      while (answered < killAfter && index <= batch.length && !finished) {
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      await new Promise((resolve) => setTimeout(resolve, next() * 80));
      await kill();
      await running;
      for (const u of batch) {
        if (u.status !== undefined && u.status !== 200) violations.push(`an upload answered ${u.status}`);
      }
      integrity = checkIntegrity();
      if (!integrity.startsWith('ok') && !integrity.startsWith('not applicable'))
        violations.push(`integrity check: ${integrity}`);
      await start();
      const before = history.flat().filter((u) => u.status === undefined).length;
      await verify();
      // SPEC §10: the restarted server still serves after every owner was read, its log clean.
      await server!.expectServing();
      newer += before - history.flat().filter((u) => u.status === undefined).length;
      log(
        `cycle ${cycles}: ${attempted}/${options.uploads} uploads, ${batch.filter((u) => u.status === 200).length} of ${count} answered before the kill; integrity ${integrity}; ${violations.length} violations so far`,
      );
    }
  } finally {
    if (server && server.child.exitCode === null && server.child.signalCode === null) await kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const all = history.flat();
  return {
    cycles,
    attempted,
    acknowledged: all.filter((u) => u.status === 200).length - newer,
    interrupted:
      all.filter((u) => u.status === undefined && u.startedAt !== Number.POSITIVE_INFINITY).length + newer,
    notSent: all.filter((u) => u.startedAt === Number.POSITIVE_INFINITY).length,
    newerThanAcknowledged: newer,
    ownersChecked: options.owners,
    integrity,
    violations,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      uploads: { type: 'string', default: '200' },
      'per-cycle': { type: 'string', default: '10' },
      owners: { type: 'string', default: '8' },
      database: { type: 'string' },
      seed: { type: 'string', default: String(Date.now() % 100_000) },
    },
  });
  const options: CrashTestOptions = {
    uploads: Number(values.uploads),
    perCycle: Number(values['per-cycle']),
    owners: Number(values.owners),
    seed: Number(values.seed),
    log: (line) => process.stderr.write(`${line}\n`),
    ...(values.database ? { database: values.database } : {}),
  };
  process.stderr.write(`crash test: seed ${options.seed}\n`);
  const report = await crashTest(options);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  process.exit(report.violations.length === 0 ? 0 : 1);
}
