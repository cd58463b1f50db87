// 9. Photo bytes on object storage (SPEC §14): the same SQLite store with its photo bytes in the
// database (`--blob-store database`, the default), in S3 (s3rver on loopback, in a process of its
// own) and in a folder (`file:DIR`), side by side in one run:
//
// - hot reads: GET …/photo/$value (the 648x648 size) of a set of users whose photos fit the read
//   cache, the users in turn, by the reads scenario's load generator; the target is S3 at ≥ 0.9 of
//   the database (SPEC §14);
// - cold reads: a fresh server reading each of those photos once (nothing cached, so each read
//   goes to the store for its bytes);
// - uploads: PUT photo/$value of a 1200x900 JPEG, one at a time and four at once.
//
// Every user's sizes are distinct bytes (a JPEG comment naming the user), so no two users share an
// object. Each measure is taken in turn over the stores, `rounds` times over (every other round in
// the reverse order), and each figure is the median of its rounds, so the machine's drift falls on
// each store alike.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { photoJpeg, type Seeded, seed } from '../lib/fixtures.js';
import { type LoadResult, load, loadGenerator, runJobs } from '../lib/load.js';
import { cpuSeconds, type Running, startPortrait, startS3rver } from '../lib/processes.js';
import type { Row } from '../lib/report.js';

export interface BlobStoreBenchOptions {
  /** Users whose photos are read (hot and cold); their photo/$value must fit the read cache. */
  users: number;
  /** Load generator connections for the hot reads (as the reads scenario: 50). */
  connections: number;
  /** Seconds of each hot-read measure (after 2 s of the same load to warm up, 1 s from the second round). */
  seconds: number;
  /** Clients reading the photos once each, at once, for the cold reads. */
  coldConcurrency: number;
  /** Each measure is taken this many times over the stores in turn; figures are medians. */
  rounds: number;
  /** The same for the hot reads, which move most from one run to the next. */
  hotRounds: number;
  /** Uploads per store and round: one at a time, and with four uploaders at once. */
  uploadsOneAtATime: number;
  uploadsFourAtOnce: number;
}

/** src/store/read-cache.ts: the read cache holds at most this many entries and bytes. */
const READ_CACHE_ENTRIES = 50_000;
const READ_CACHE_BYTES = 64 * 1024 * 1024;
/** src/http/fast-photo-read.ts: the fast path's decided answers (sharing the read cache's buffers). */
const DECIDED_ENTRIES = 10_000;
const DECIDED_BYTES = 32 * 1024 * 1024;

/** SPEC §14: with S3, hot photo reads at ≥ 0.9× the database's rate. */
const HOT_TARGET = 0.9;

type Kind = 'database' | 's3' | 'file';

interface Place {
  kind: Kind;
  /** How the table names it. */
  label: string;
  dir: string;
  blobStore: string;
  seeded: Seeded;
  /** photo/$value of the users read, in the order they are read. */
  paths: string[];
  /** A path read before the cold reads, to have the token verified and the store's client connected. */
  warmPath: string;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length % 2 === 1 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** wrk counts answers by class only; the status is checked once before each run. */
const ok = (result: LoadResult) =>
  result.errors === 0 &&
  result.timeouts === 0 &&
  Object.keys(result.statuses).every((s) => s === '200' || s === '2xx/3xx');

/** Each path asked for once, `concurrency` at a time (closed loop): wall time and latencies. */
async function readEachOnce(
  base: string,
  paths: readonly string[],
  headers: Record<string, string>,
  concurrency: number,
): Promise<{ wallMs: number; p50Ms: number; p99Ms: number; failed: number; bytes: number }> {
  const agent = new Agent({ connections: concurrency });
  const samples: number[] = [];
  let failed = 0;
  let bytes = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < paths.length) {
        const path = paths[next++]!;
        const asked = performance.now();
        const response = await request(base + path, { headers, dispatcher: agent });
        bytes += (await response.body.arrayBuffer()).byteLength;
        samples.push(performance.now() - asked);
        if (response.statusCode !== 200) failed++;
      }
    }),
  );
  const wallMs = performance.now() - started;
  await agent.close();
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  return { wallMs, p50Ms: at(0.5), p99Ms: at(0.99), failed, bytes };
}

export async function blobStore(
  options: BlobStoreBenchOptions,
  note: (line: string) => void,
): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'portrait-bench-blobs-'));
  const s3 = await startS3rver(1);
  const servers: Running[] = [];
  const load1 = loadavg()[0]!;
  try {
    // The seeding below (in this process) and every server reach s3rver with its credentials.
    Object.assign(process.env, s3.env);
    const s3Cpu = () => cpuSeconds(s3.child.pid!);
    note(
      `blob store: s3rver 3.7.1 (the tests' S3 server, Node) runs in a child process of its own at ${s3.url}, not in the benchmark's process; on this machine it shares the cores with the server it answers (a real S3 would not), and its CPU time is given with each figure`,
    );

    const kinds: { kind: Kind; label: string; blobStore: (placeDir: string) => string }[] = [
      { kind: 'database', label: '--blob-store database', blobStore: () => 'database' },
      { kind: 's3', label: '--blob-store s3:// (s3rver)', blobStore: () => s3.stores[0]! },
      {
        kind: 'file',
        label: '--blob-store file:DIR',
        blobStore: (placeDir) => {
          mkdirSync(join(placeDir, 'objects'));
          return `file:${join(placeDir, 'objects')}`;
        },
      },
    ];
    const places: Place[] = [];
    for (const { kind, label, blobStore } of kinds) {
      const placeDir = join(dir, kind);
      mkdirSync(placeDir);
      const store = blobStore(placeDir);
      const started = performance.now();
      // One user more than are read: the first request of a cold server reads that one's photo.
      const seeded = await seed(`sqlite:${join(placeDir, 'portrait.db')}`, options.users + 1, undefined, {
        blobs: { blobStore: store },
        distinctPhotos: true,
      });
      const photoPath = (id: string) => `/v1.0/users/${id}/photo/$value`;
      places.push({
        kind,
        label,
        dir: placeDir,
        blobStore: store,
        seeded,
        paths: seeded.userIds.slice(0, options.users).map(photoPath),
        warmPath: photoPath(seeded.userIds[options.users]!),
      });
      note(
        `blob store: seeded ${options.users + 1} users with distinct photo sets (9 sizes each) ${kind === 'database' ? 'in the database' : `in ${kind}`} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    }
    /** The stores in turn: every other round in the reverse order. */
    const inTurn = (round: number) => (round % 2 === 0 ? places : [...places].reverse());
    const auth = (place: Place) => ({ authorization: `Bearer ${place.seeded.token}` });
    const start = (place: Place) =>
      startPortrait(place.dir, ['--http', '--blob-store', place.blobStore]).then((server) => {
        servers.push(server);
        return server;
      });
    const stop = async (server: Running) => {
      servers.splice(servers.indexOf(server), 1);
      await server.stop();
    };

    // Cold reads: a fresh server each round; one read of another user's photo first (the token
    // verified, the store's client connected), then every photo once.
    /** Per read: reads/s, latencies, and the CPU ms the server and s3rver spent on each read. */
    const cold = new Map<
      Kind,
      { rate: number; p50: number; p99: number; serverMs: number; s3Ms: number }[]
    >();
    let photoBytes = 0;
    for (let round = 0; round < options.rounds; round++) {
      for (const place of inTurn(round)) {
        const server = await start(place);
        try {
          const first = await fetch(server.url + place.warmPath, { headers: auth(place) });
          const body = await first.arrayBuffer();
          if (first.status !== 200)
            note(`blob store: ${place.kind}: the first read answered ${first.status}`);
          photoBytes ||= body.byteLength;
          const cpuBefore = s3Cpu();
          const serverBefore = cpuSeconds(server.child.pid!);
          const run = await readEachOnce(server.url, place.paths, auth(place), options.coldConcurrency);
          const perRead = (seconds: number) => (seconds * 1000) / place.paths.length;
          if (run.failed > 0) note(`blob store: ${place.kind}: ${run.failed} cold reads did not answer 200`);
          const runs = cold.get(place.kind) ?? [];
          runs.push({
            rate: place.paths.length / (run.wallMs / 1000),
            p50: run.p50Ms,
            p99: run.p99Ms,
            serverMs: perRead(cpuSeconds(server.child.pid!) - serverBefore),
            s3Ms: perRead(s3Cpu() - cpuBefore),
          });
          cold.set(place.kind, runs);
        } finally {
          await stop(server);
        }
      }
    }
    const hotSetBytes = photoBytes * options.users;
    note(
      `blob store: photo/$value is the 648x648 size, about ${Math.round(photoBytes / 1024)} KB; ${options.users} users read make ${mib(hotSetBytes)}, within the read cache's bound (src/store/read-cache.ts: ${READ_CACHE_ENTRIES.toLocaleString('en')} entries and ${mib(READ_CACHE_BYTES)}, each entry counted as its bytes + 512) and the fast path's kept answers (src/http/fast-photo-read.ts: ${DECIDED_ENTRIES.toLocaleString('en')} entries, ${mib(DECIDED_BYTES)}, sharing the read cache's buffers). Both keep an answer from the second time it is asked for (src/store/admission.ts)`,
    );
    if (hotSetBytes + options.users * 1024 > DECIDED_BYTES)
      note('blob store: the hot set does NOT fit the fast path’s kept answers: the hot figures are not hot');

    // Hot reads: one server per store, each warmed with the same load before each measure (the
    // first pass reads each photo from the store; from the second it is kept).
    /** Per measure: req/s, p99, the server's CPU µs per request, s3rver's CPU seconds meanwhile. */
    const hot = new Map<Kind, { rps: number; p99: number; serverUs: number; s3Cpu: number }[]>();
    const running = new Map<Kind, Running>();
    for (const place of places) running.set(place.kind, await start(place));
    for (let round = 0; round < options.hotRounds; round++) {
      for (const place of inTurn(round)) {
        const server = running.get(place.kind)!;
        const settings = {
          url: server.url,
          connections: options.connections,
          headers: auth(place),
          paths: place.paths,
        };
        // 2 s the first time (each photo read from the store, then kept), 1 s before the next.
        await load({ ...settings, seconds: round === 0 ? 2 : 1 });
        const cpuBefore = s3Cpu();
        const serverBefore = cpuSeconds(server.child.pid!);
        const result = await load({ ...settings, seconds: options.seconds });
        const served = Object.values(result.statuses).reduce((sum, count) => sum + count, 0);
        if (!ok(result))
          note(
            `blob store: ${place.kind}: unexpected hot-read answers ${JSON.stringify(result.statuses)}, ${result.errors} errors, ${result.timeouts} timeouts`,
          );
        const runs = hot.get(place.kind) ?? [];
        runs.push({
          rps: result.requestsPerSecond,
          p99: result.p99,
          serverUs: ((cpuSeconds(server.child.pid!) - serverBefore) * 1e6) / served,
          s3Cpu: s3Cpu() - cpuBefore,
        });
        hot.set(place.kind, runs);
      }
    }

    // Uploads, on the same servers: 1200x900 JPEGs, each store given the same distinct sources.
    const perRound = options.uploadsOneAtATime + options.uploadsFourAtOnce;
    const sources = await Promise.all(
      Array.from({ length: perRound * options.rounds }, () => photoJpeg(1200, 900, 90)),
    );
    /** Per upload: ms one at a time, uploads/s four at once, CPU ms of the server and s3rver. */
    const uploads = new Map<Kind, { one: number; four: number; serverMs: number; s3Ms: number }[]>();
    const agent = new Agent({ connections: 4 });
    try {
      for (let round = 0; round < options.rounds; round++) {
        for (const place of inTurn(round)) {
          const server = running.get(place.kind)!;
          const put = (offset: number) => async (i: number) => {
            const user = place.seeded.userIds[i % options.users]!;
            const response = await request(`${server.url}/v1.0/users/${user}/photo/$value`, {
              method: 'PUT',
              body: sources[round * perRound + offset + i]!,
              headers: { ...auth(place), 'content-type': 'image/jpeg' },
              dispatcher: agent,
            });
            await response.body.dump();
            if (response.statusCode !== 200)
              throw new Error(`blob store: ${place.kind}: an upload answered ${response.statusCode}`);
          };
          const cpuBefore = s3Cpu();
          const serverBefore = cpuSeconds(server.child.pid!);
          const one = (await runJobs(options.uploadsOneAtATime, 1, put(0))) / options.uploadsOneAtATime;
          const fourWall = await runJobs(options.uploadsFourAtOnce, 4, put(options.uploadsOneAtATime));
          const runs = uploads.get(place.kind) ?? [];
          runs.push({
            one,
            four: options.uploadsFourAtOnce / (fourWall / 1000),
            serverMs: ((cpuSeconds(server.child.pid!) - serverBefore) * 1000) / perRound,
            s3Ms: ((s3Cpu() - cpuBefore) * 1000) / perRound,
          });
          uploads.set(place.kind, runs);
        }
      }
    } finally {
      await agent.close();
    }

    // The table: each store against the database, as rates (higher is better), medians of rounds.
    const of = <T>(map: Map<Kind, T[]>, kind: Kind, pick: (run: T) => number) =>
      median(map.get(kind)!.map(pick));
    const roundsOf = (n: number) => `${n} round${n > 1 ? 's' : ''}, medians`;
    const rounds = roundsOf(options.rounds);
    const rows: Row[] = [];
    const hotFigure = (kind: Kind) =>
      `${Math.round(of(hot, kind, (r) => r.rps))} req/s (p99 ${of(hot, kind, (r) => r.p99).toFixed(2)} ms; server ${of(hot, kind, (r) => r.serverUs).toFixed(1)} CPU µs each)`;
    /** CPU ms per operation of the server, and of s3rver where it was asked. */
    const cpu = (map: Map<Kind, { serverMs: number; s3Ms: number }[]>, kind: Kind) =>
      `server ${of(map, kind, (r) => r.serverMs).toFixed(2)} CPU ms${kind === 's3' ? ` + s3rver ${of(map, kind, (r) => r.s3Ms).toFixed(2)}` : ''} each`;
    const coldFigure = (kind: Kind) =>
      `${Math.round(of(cold, kind, (r) => r.rate))} reads/s (p50 ${of(cold, kind, (r) => r.p50).toFixed(2)} ms, p99 ${of(cold, kind, (r) => r.p99).toFixed(2)} ms; ${cpu(cold, kind)})`;
    const oneFigure = (kind: Kind) => `${of(uploads, kind, (r) => r.one).toFixed(0)} ms per upload`;
    const fourFigure = (kind: Kind) =>
      `${of(uploads, kind, (r) => r.four).toFixed(2)} uploads/s (${cpu(uploads, kind)}, over all uploads)`;
    for (const kind of ['s3', 'file'] as const) {
      const label = places.find((p) => p.kind === kind)!.label;
      const hotRatio = of(hot, kind, (r) => r.rps) / of(hot, 'database', (r) => r.rps);
      rows.push(
        {
          measure: `hot photo reads, ${label}: GET photo/$value of ${options.users} users in turn (${Math.round(photoBytes / 1024)} KB each, ${mib(hotSetBytes)} in all, within the read cache), ${options.connections} connections, one process, ${options.seconds} s × ${roundsOf(options.hotRounds)}${kind === 's3' ? ` (s3rver used ${of(hot, 's3', (r) => r.s3Cpu).toFixed(2)} CPU s while measured)` : ''}`,
          portrait: hotFigure(kind),
          reference: `--blob-store database: ${hotFigure('database')}`,
          ratio: hotRatio,
          ...(kind === 's3' ? { target: `≥ ${HOT_TARGET}`, met: hotRatio >= HOT_TARGET } : {}),
        },
        {
          measure: `cold photo reads, ${label}: a fresh server reads each of the ${options.users} photos once, ${options.coldConcurrency} at a time, ${rounds}`,
          portrait: coldFigure(kind),
          reference: `--blob-store database: ${coldFigure('database')}`,
          ratio: of(cold, kind, (r) => r.rate) / of(cold, 'database', (r) => r.rate),
        },
        {
          measure: `upload, one at a time, ${label}: PUT photo/$value of a 1200x900 JPEG, ${options.uploadsOneAtATime} × ${rounds}`,
          portrait: oneFigure(kind),
          reference: `--blob-store database: ${oneFigure('database')}`,
          ratio: of(uploads, 'database', (r) => r.one) / of(uploads, kind, (r) => r.one),
        },
        {
          measure: `upload, 4 uploaders at once, ${label}: ${options.uploadsFourAtOnce} × ${rounds}`,
          portrait: fourFigure(kind),
          reference: `--blob-store database: ${fourFigure('database')}`,
          ratio: of(uploads, kind, (r) => r.four) / of(uploads, 'database', (r) => r.four),
        },
      );
    }
    note(
      `blob store: every ratio is the store's rate over the database's (higher is better; for one upload at a time, the database's ms over the store's); hot reads by ${loadGenerator()}, cold reads and uploads by undici; per round: ${[...hot.entries()].map(([kind, runs]) => `${kind} ${runs.map((r) => Math.round(r.rps)).join('/')} req/s hot`).join(', ')}; ${[...cold.entries()].map(([kind, runs]) => `${kind} ${runs.map((r) => Math.round(r.rate)).join('/')} reads/s cold`).join(', ')}`,
    );
    note(
      `blob store: the machine's 1-minute load average was ${load1.toFixed(2)} at the start and ${loadavg()[0]!.toFixed(2)} at the end (${availableParallelism()} cores; the benchmark itself keeps about two busy)`,
    );
    return rows;
  } finally {
    for (const server of [...servers]) await server.stop();
    await s3.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
