// 8. Directory sync (SPEC §13): `portrait directory sync` (the built CLI, as an administrator or a
// cron job runs it) of 10,000 OpenLDAP entries of which 2,000 have a photo, from a real slapd on
// loopback, on SQLite and on PostgreSQL: the first sync (beside the same entries without their
// photos), a re-run with 1 % of the entries changed and one with nothing changed; and the photo
// speed: a sync bringing the 2,000 photos to users it made without them, beside `portrait photos
// import` of the same bytes as files into users made alike.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { photoJpeg } from '../lib/fixtures.js';
import { MAIN, type MeasuredRun, runMeasured } from '../lib/processes.js';
import type { Row } from '../lib/report.js';
import { postgresReachable } from '../../test/support/postgres.js';
import { inetOrgPerson, slapdAvailable, startSlapd } from '../../test/support/slapd.js';

export interface DirectorySyncOptions {
  entries: number;
  photos: number;
  /** PostgreSQL server (a scratch database is made and dropped). */
  postgres: string;
}

/** Distinct photos; entry i with a photo gets photo i mod DISTINCT, made a little different. */
const DISTINCT = 8;
const PASSWORD_ENV = 'PORTRAIT_BENCH_LDAP_PASSWORD';

interface Figures {
  first: MeasuredRun;
  usersOnly: MeasuredRun;
  /** A sync importing the photos of users it made before without them. */
  photosBySync: MeasuredRun;
  /** `photos import` of the same photos as files, for users made alike. */
  photosByImport: MeasuredRun;
  changed: MeasuredRun;
  unchanged: MeasuredRun;
}

export async function directorySync(
  options: DirectorySyncOptions,
  note: (line: string) => void,
): Promise<Row[]> {
  if (!slapdAvailable()) {
    note('directory sync: slapd is not installed (apt-get install slapd ldap-utils); NOT measured');
    return [];
  }
  const ldap = await startSlapd();
  const dir = mkdtempSync(join(tmpdir(), 'portrait-bench-ldap-'));
  try {
    const sources = await Promise.all(
      Array.from({ length: DISTINCT }, (_, i) => photoJpeg(480 + 8 * i, 480 + 8 * i, 85)),
    );
    // Equal bytes for several people, as the files of the import beside it: each is still run
    // through the pipeline once per person, by both.
    const photoOf = (i: number) => sources[i % DISTINCT]!;
    const files = join(dir, 'photos');
    mkdirSync(files);
    const hasPhoto = (i: number) => i % Math.round(options.entries / options.photos) === 0;
    const started = performance.now();
    await ldap.addPeople(options.entries, (i) => {
      const mail = `p${i}@bench.example`;
      const jpegPhoto = hasPhoto(i) ? photoOf(i) : undefined;
      if (jpegPhoto) writeFileSync(join(files, `${mail}.jpg`), jpegPhoto);
      return inetOrgPerson(`p${i}`, {
        cn: `Person ${i}`,
        sn: 'Person',
        mail,
        ...(jpegPhoto ? { jpegPhoto } : {}),
      });
    });
    note(
      `directory sync: ${options.entries} inetOrgPerson entries, ${options.photos} with a jpegPhoto (${DISTINCT} distinct 480–536 px JPEGs of ${Math.round(sources[0]!.length / 1024)}–${Math.round(sources.at(-1)!.length / 1024)} KB), added to slapd in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    const env = { [PASSWORD_ENV]: ldap.syncPassword };
    const connection = [
      '--ldap',
      ldap.url,
      '--base-dn',
      ldap.peopleDn,
      '--bind-dn',
      ldap.syncDn,
      '--bind-password-env',
      PASSWORD_ENV,
    ];

    const measure = async (label: string, store: string[]): Promise<Figures> => {
      const cli = async (args: string[]) => {
        const run = await runMeasured(MAIN, [...args, ...store, '--json'], env);
        if (run.code !== 0)
          note(
            `directory sync: portrait ${args.slice(0, 3).join(' ')} exited ${run.code}: ${run.stdout.slice(0, 300)}`,
          );
        return run;
      };
      for (const tenant of ['synced', 'photos-synced', 'photos-imported'])
        await cli(['tenant', 'create', tenant]);
      const sync = (tenant: string, photoAttribute = 'jpegPhoto') =>
        cli(['directory', 'sync', '--tenant', tenant, ...connection, '--photo-attribute', photoAttribute]);
      const first = await sync('synced');
      // The same people without photos (an attribute they do not have), then their photos: by a
      // second sync, and beside it by `photos import` of the same bytes as files.
      const usersOnly = await sync('photos-synced', 'description');
      const photosBySync = await sync('photos-synced');
      await sync('photos-imported', 'description');
      const photosByImport = await cli([
        'photos',
        'import',
        files,
        '--tenant',
        'photos-imported',
        '--concurrency',
        String(availableParallelism()),
      ]);
      // 1 % changed: four in five of them a new name, one in five a new photo.
      const changedCount = Math.round(options.entries / 100);
      for (let k = 0; k < changedCount; k++) {
        const i = k * 100;
        const dn = `uid=p${i},${ldap.peopleDn}`;
        if (k % 5 === 4 && hasPhoto(i))
          await ldap.modify(dn, { replace: { jpegPhoto: photoOf(i + (label === 'SQLite' ? 1 : 2)) } });
        else await ldap.modify(dn, { replace: { cn: `Person ${i} (renamed ${label})` } });
      }
      const changed = await sync('synced');
      const unchanged = await sync('synced');
      return { first, usersOnly, photosBySync, photosByImport, changed, unchanged };
    };

    const rows: Row[] = [];
    const record = (label: string, f: Figures) => {
      const seconds = (run: MeasuredRun) => run.wallMs / 1000;
      const perSecond = (n: number, run: MeasuredRun) => n / seconds(run);
      const aim = (run: MeasuredRun): Row => ({
        measure: '',
        portrait: `${seconds(run).toFixed(2)} s (${perSecond(options.entries, run).toFixed(0)} entries/s)`,
        reference: 'aim: 2,000 entries/s',
        ratio: perSecond(options.entries, run) / 2000,
        target: '≥ 1.0',
        met: perSecond(options.entries, run) >= 2000,
      });
      rows.push(
        {
          measure: `${label}: first sync of ${options.entries} entries, ${options.photos} with photos`,
          portrait: `${seconds(f.first).toFixed(1)} s (${perSecond(options.entries, f.first).toFixed(0)} entries/s)`,
          reference: `the same entries without photos: ${seconds(f.usersOnly).toFixed(1)} s (${perSecond(options.entries, f.usersOnly).toFixed(0)} entries/s)`,
          ratio: seconds(f.first) / seconds(f.usersOnly),
        },
        {
          measure: `${label}: ${options.photos} photos imported by a sync (users there already)`,
          portrait: `${seconds(f.photosBySync).toFixed(1)} s (${perSecond(options.photos, f.photosBySync).toFixed(1)} photos/s)`,
          reference: `photos import of the same ${options.photos} files: ${seconds(f.photosByImport).toFixed(1)} s (${perSecond(options.photos, f.photosByImport).toFixed(1)} photos/s)`,
          ratio: seconds(f.photosBySync) / seconds(f.photosByImport),
          target: '≤ 1.1',
          met: seconds(f.photosBySync) / seconds(f.photosByImport) <= 1.1,
        },
        {
          ...aim(f.changed),
          measure: `${label}: re-run with 1 % changed (${Math.round(options.entries / 100)} entries)`,
        },
        { ...aim(f.unchanged), measure: `${label}: re-run, nothing changed` },
      );
    };

    const sqliteDir = join(dir, 'sqlite');
    record('SQLite', await measure('SQLite', ['--data', sqliteDir]));
    if (await postgresReachable(options.postgres)) {
      const name = `portrait_bench_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: `${options.postgres}/postgres` });
      await admin.connect();
      await admin.query(`create database ${name}`);
      try {
        const url = `${options.postgres}/${name}`;
        await runMeasured(MAIN, ['migrate', '--database', url]);
        record('PostgreSQL', await measure('PostgreSQL', ['--database', url]));
      } finally {
        await admin.query(`drop database ${name} with (force)`);
        await admin.end();
      }
    } else note(`directory sync: PostgreSQL at ${options.postgres} is not reachable; NOT measured there`);
    return rows;
  } finally {
    await ldap.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
