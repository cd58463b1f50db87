// 7. Inside a test suite (SPEC §11): startPortrait() with fixtures of 5 tenants × 20 users, each
// with a photo, then reset() between tests, against starting a fresh instance for every test (what
// a suite without reset() would do) in the same run; on the in-memory store and on PostgreSQL.
import { Agent, request } from 'undici';
import { photoJpeg } from '../lib/fixtures.js';
import type { Row } from '../lib/report.js';
import type { Fixtures } from '../../src/index.js';
import { startPortrait } from '../../src/index.js';
import { createTestDatabase } from '../../test/support/postgres.js';

const TENANTS = 5;
const USERS = 20;
/** Distinct photos; each user's is one of them (the pipeline encodes each upload anyway). */
const DISTINCT = 10;
/** Below this, reset() is cheap enough for every test's beforeEach. */
const RESET_TARGET_MS = 200;

async function fixtures(): Promise<Fixtures> {
  const photos: string[] = [];
  for (let i = 0; i < DISTINCT; i++) {
    photos.push(`data:image/jpeg;base64,${(await photoJpeg(800, 800, 90, 1 + i / 10)).toString('base64')}`);
  }
  return {
    tenants: Array.from({ length: TENANTS }, (_, t) => ({
      name: `tenant${t}`,
      users: Array.from({ length: USERS }, (_, u) => ({
        userPrincipalName: `user${u}@tenant${t}.example`,
        displayName: `User ${u}`,
        photo: photos[(t * USERS + u) % DISTINCT]!,
      })),
    })),
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

type Database = { url: string; drop(): Promise<void> };

/**
 * reset() after a test that changed a user and a photo (what it costs in a beforeEach), and a
 * fresh start on an empty store each time (what a suite without reset would pay).
 */
async function measure(open: () => Promise<Database>, given: Fixtures, resets: number) {
  const resetMs: number[] = [];
  const starts: number[] = [];
  for (let i = 0; i < 3; i++) {
    const database = await open();
    try {
      let portrait!: Awaited<ReturnType<typeof startPortrait>>;
      starts.push(
        await timed(async () => {
          portrait = await startPortrait({ database: database.url, fixtures: given });
        }),
      );
      if (i === 0) {
        const token = await portrait.token({
          tenant: 'tenant0',
          app: 'bench',
          roles: ['User.ReadWrite.All', 'ProfilePhoto.ReadWrite.All'],
        });
        const dispatcher = new Agent({ connect: { ca: portrait.ca! } });
        for (let r = 0; r < resets; r++) {
          const put = await request(
            `${portrait.url}/v1.0/users/user${r % USERS}@tenant0.example/photo/$value`,
            {
              method: 'PUT',
              dispatcher,
              headers: { authorization: `Bearer ${token}`, 'content-type': 'image/jpeg' },
              body: changedPhoto,
            },
          );
          await put.body.dump();
          if (put.statusCode !== 200) throw new Error(`the test's upload failed: ${put.statusCode}`);
          resetMs.push(await timed(() => portrait.reset()));
        }
        await dispatcher.close();
      }
      await portrait.close();
    } finally {
      await database.drop();
    }
  }
  return { reset: median(resetMs), start: median(starts) };
}

let changedPhoto: Buffer;

export async function testSuite(
  options: { resets: number; postgres?: string },
  note: (line: string) => void,
): Promise<Row[]> {
  const given = await fixtures();
  changedPhoto = await photoJpeg(400, 400, 90);
  note(
    `test suite: fixtures of ${TENANTS} tenants × ${USERS} users, each with an 800x800 JPEG photo; reset() after a test that uploaded a photo, median of ${options.resets}; startPortrait() on an empty store, median of 3`,
  );
  const rows: Row[] = [];
  const stores: [string, () => Promise<Database>][] = [
    ['memory', async () => ({ url: 'memory', drop: async () => {} })],
  ];
  if (options.postgres) stores.push(['PostgreSQL', () => createTestDatabase()]);
  for (const [label, open] of stores) {
    {
      const { reset, start } = await measure(open, given, options.resets);
      rows.push({
        measure: `reset() to 5×20 users with photos (${label})`,
        portrait: `${reset.toFixed(1)} ms`,
        reference: `fresh startPortrait() ${start.toFixed(0)} ms`,
        ratio: reset / start,
        target: `< ${RESET_TARGET_MS} ms`,
        met: reset < RESET_TARGET_MS,
      });
    }
  }
  return rows;
}
