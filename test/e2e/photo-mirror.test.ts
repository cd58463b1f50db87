// `portrait photos mirror` between real Portrait instances over HTTPS (real CLI processes): users
// matched by userPrincipalName, copies byte-identical to the source, re-runs that copy only what
// changed, an interrupted run resumed from its state file, and throttling on both sides.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { parseThrottle } from '../../src/domain/throttle-rules.js';
import { replacePhoto } from '../../src/services/photo-service.js';
import type { User } from '../../src/domain/directory.js';
import type { Tenant } from '../../src/domain/tenant.js';
import { portrait, startPortrait } from '../support/cli.js';
import { Harness } from '../support/harness.js';
import { assertSameBytes } from '../support/images.js';

const PIPELINE = { maxPixels: 40_000_000, jpegQuality: 88 };

let work: string;
let caFile: string;
const harnesses: Harness[] = [];

interface Side {
  h: Harness;
  tenant: Tenant;
  users: Map<string, User>;
  token: string;
}

async function side(name: string, throttle: string, upns: string[], roles: string[]): Promise<Side> {
  const h = await Harness.start({ throttle: parseThrottle(throttle) });
  harnesses.push(h);
  const tenant = await h.tenant(name);
  const users = new Map<string, User>();
  for (const upn of upns) {
    users.set(
      upn,
      await h.store.directory.createUser({ tenantId: tenant.id, userPrincipalName: upn, displayName: upn }),
    );
  }
  return { h, tenant, users, token: await h.appToken(tenant, roles) };
}

const upnsOf = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => `${prefix}${i}@mirror.example`);

const photoOf = (i: number, shade = 0) =>
  sharp({
    create: { width: 64, height: 64, channels: 3, background: { r: i * 2, g: 120 + shade, b: 200 - i } },
  })
    .jpeg()
    .toBuffer();

async function givePhotos(s: Side, upns: string[], shade = 0) {
  for (const [i, upn] of upns.entries()) {
    await replacePhoto(
      { photos: s.h.store.photos, pipeline: PIPELINE },
      { tenantId: s.tenant.id, photoOwnerId: s.users.get(upn)!.id },
      await photoOf(i, shade),
    );
  }
}

/** Every size of the user's photo, or undefined. */
async function sizes(s: Side, upn: string): Promise<Buffer[] | undefined> {
  const user = s.users.get(upn) ?? (await s.h.store.directory.findUser(s.tenant.id, upn));
  if (!user) return undefined;
  const set = await s.h.store.photos.readPhotoSet(s.tenant.id, user.id);
  if (!set) return undefined;
  return Promise.all(
    set.variants.map(
      async (v) => (await s.h.store.photos.readVariant(s.tenant.id, user.id, v.sizeId))!.bytes,
    ),
  );
}

async function assertSameSets(from: Side, to: Side, upns: string[]) {
  for (const upn of upns) assertSameBytes(await sizes(to, upn), await sizes(from, upn), upn);
}

const mirrorArgs = (from: Side, to: Side, state: string) => [
  'photos',
  'mirror',
  '--from',
  `${from.h.url}/v1.0`,
  '--to',
  `${to.h.url}/v1.0`,
  '--state',
  state,
  '--json',
];

const env = (from: Side, to: Side) => ({
  PORTRAIT_FROM_TOKEN: from.token,
  PORTRAIT_TO_TOKEN: to.token,
  NODE_EXTRA_CA_CERTS: caFile,
});

async function mirror(from: Side, to: Side, state: string) {
  const result = await portrait(mirrorArgs(from, to, state), { env: env(from, to) });
  return { ...result, report: result.stdout ? JSON.parse(result.stdout) : undefined };
}

/** 429s a server answered, from its own /metrics. */
async function throttledAnswers(h: Harness): Promise<number> {
  const text = (await h.request('GET', '/metrics')).body.toString();
  return [...text.matchAll(/^portrait_http_requests_total\{[^}]*status="429"[^}]*\} (\d+)$/gm)].reduce(
    (sum, m) => sum + Number(m[1]),
    0,
  );
}

const READ = ['User.Read.All', 'ProfilePhoto.Read.All'];
const WRITE = ['ProfilePhoto.ReadWrite.All'];

before(() => {
  work = mkdtempSync(join(tmpdir(), 'portrait-mirror-'));
  caFile = join(work, 'cas.pem');
});
after(async () => {
  for (const h of harnesses) await h.close();
  rmSync(work, { recursive: true, force: true });
});

/** The CLI trusts the development CA of every instance started so far. */
const trustAll = () =>
  writeFileSync(caFile, harnesses.map((h) => readFileSync(h.server.caPath!, 'utf8')).join('\n'));

describe('photos mirror', () => {
  const withPhotos = upnsOf('pic', 100);
  const without = upnsOf('plain', 20);
  const absent = withPhotos.slice(0, 3);
  let from: Side;
  let to: Side;
  let state: string;

  before(async () => {
    from = await side('source', 'off', [...withPhotos, ...without], READ);
    to = await side('target', 'off', [...withPhotos.slice(3), ...without], WRITE);
    trustAll();
    await givePhotos(from, withPhotos);
    state = join(work, 'plain.jsonl');
  });

  it("copies every user's photo, byte for byte, and names the users the target lacks", async () => {
    const { code, report } = await mirror(from, to, state);
    assert.equal(code, 1, 'exit 1: three users failed');
    assert.deepEqual(
      { ...report, failures: undefined, state: undefined },
      {
        users: 120,
        copied: 97,
        skipped: 0,
        noPhoto: 20,
        failed: 3,
        failures: undefined,
        retried: 0,
        interrupted: false,
        state: undefined,
      },
    );
    assert.deepEqual(
      report.failures.map((f: { user: string }) => f.user),
      [...absent].sort(),
    );
    assert.match(report.failures[0].error, /no user pic0@mirror\.example at https:\/\//);
    await assertSameSets(from, to, withPhotos.slice(3));
    assert.equal(await sizes(to, without[0]!), undefined);
  });

  it('copies only what changed on the next run', async () => {
    for (const upn of absent) {
      await to.h.store.directory.createUser({
        tenantId: to.tenant.id,
        userPrincipalName: upn,
        displayName: upn,
      });
    }
    const first = await mirror(from, to, state);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual([first.report.copied, first.report.skipped, first.report.noPhoto], [3, 97, 20]);
    await givePhotos(from, withPhotos.slice(50, 52), 40);
    const second = await mirror(from, to, state);
    assert.deepEqual([second.report.copied, second.report.skipped, second.report.failed], [2, 98, 0]);
    await assertSameSets(from, to, withPhotos);
  });

  it('refuses a state file of another mirror, or a missing token, with exit 2', async () => {
    const other = await portrait(
      ['photos', 'mirror', '--from', `${from.h.url}/v1.0`, '--to', `${from.h.url}/beta`, '--state', state],
      { env: env(from, to) },
    );
    assert.equal(other.code, 2);
    assert.match(other.stderr, /state of a mirror from .* to .*\/v1\.0; give this one its own --state file/);
    const noToken = await portrait(mirrorArgs(from, to, join(work, 'x.jsonl')), {
      env: { PORTRAIT_FROM_TOKEN: from.token, PORTRAIT_TO_TOKEN: '', NODE_EXTRA_CA_CERTS: caFile },
    });
    assert.equal(noToken.code, 2);
    assert.match(noToken.stderr, /set PORTRAIT_TO_TOKEN/);
  });
});

describe('photos mirror, throttled on both sides and interrupted', () => {
  const upns = upnsOf('busy', 30);
  let from: Side;
  let to: Side;

  before(async () => {
    // Throttled by rules that a mirror cannot help meeting, whatever the machine's speed: the source
    // allows one request a second per user, and the mirror reads two (metadata, then bytes) in a
    // row; the target allows two photos a second, and four users are copied at once.
    from = await side('busy-source', 'mailbox=1/1s', upns, READ);
    to = await side('busy-target', 'app=2/1s', upns, WRITE);
    trustAll();
    await givePhotos(from, upns);
  });

  it('stops on Ctrl-C after the users in flight, then resumes where it stopped', async () => {
    const state = join(work, 'busy.jsonl');
    const child = startPortrait(mirrorArgs(from, to, state), env(from, to));
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const copiedSoFar = () => {
      try {
        return readFileSync(state, 'utf8')
          .split('\n')
          .filter((l) => l.includes('"id"')).length;
      } catch {
        return 0;
      }
    };
    while (copiedSoFar() < 6) await new Promise((resolve) => setTimeout(resolve, 20));
    child.kill('SIGINT');
    assert.equal(await exited, 1, 'an interrupted mirror exits 1');
    const stopped = JSON.parse(stdout);
    assert.equal(stopped.interrupted, true);
    const done = copiedSoFar();
    assert.ok(done >= 6 && done < upns.length, `${done} users were done before the interruption`);
    assert.equal(stopped.copied, done);

    const resumed = await mirror(from, to, state);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(resumed.report.skipped, done, 'users done before the interruption are not asked for again');
    assert.equal(resumed.report.copied, upns.length - done);
    assert.ok(resumed.report.retried > 0, 'it was throttled, and waited');
    await assertSameSets(from, to, upns);
    assert.ok((await throttledAnswers(from.h)) > 0, 'the source answered 429');
    assert.ok((await throttledAnswers(to.h)) > 0, 'the target answered 429');
  });
});
