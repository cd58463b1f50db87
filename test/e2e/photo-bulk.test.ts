// `portrait photos import` and `export` as an admin runs them (real CLI processes) on the store
// of a running server: 1,000 owners (users named by UPN, mail and object id, groups through a map
// file) with small generated images, a re-run that skips what is unchanged, a ZIP, and an export
// imported into an empty tenant that ends with byte-identical photo sets.
import assert from 'node:assert/strict';
import {
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import yazl from 'yazl';
import type { Group, User } from '../../src/domain/directory.js';
import type { Tenant } from '../../src/domain/tenant.js';
import type { Store } from '../../src/store/store.js';
import { portrait } from '../support/cli.js';
import { Harness } from '../support/harness.js';
import { assertSameBytes } from '../support/images.js';

const USERS = 940;
const GROUPS = 60;

let h: Harness;
let tenant: Tenant;
let users: User[];
let groups: Group[];
let work: string;
let photos: string;

/** A small image of its own colour for owner `i`: every file differs from every other. */
const image = (i: number, format: 'jpeg' | 'png', shade = 0) =>
  sharp({
    create: {
      width: 64,
      height: 64,
      channels: 3,
      background: { r: i % 256, g: (i >> 8) * 40 + shade, b: 90 },
    },
  })
    .toFormat(format)
    .toBuffer();

const cli = async (args: string[]) => {
  const result = await portrait([...args, '--data', h.dataDir]);
  return { ...result, json: () => JSON.parse(result.stdout) };
};

/** The file a user's photo is named by: UPN for most, mail for some, object id for the rest. */
function userFile(user: User, i: number): string {
  if (i % 5 === 1) return `${user.mail}.jpg`;
  if (i % 5 === 4) return `${user.id}.jpeg`;
  return `${user.userPrincipalName}.jpg`;
}

/** Every size of every photo of a tenant, keyed by owner name, for comparing two tenants. */
async function photoSets(store: Store, of: Tenant, owners: { id: string; key: string }[]) {
  const sets = new Map<string, Buffer[]>();
  for (const owner of owners) {
    const set = await store.photos.readPhotoSet(of.id, owner.id);
    if (!set) continue;
    const bytes = await Promise.all(
      set.variants.map(async (v) => (await store.photos.readVariant(of.id, owner.id, v.sizeId))!.bytes),
    );
    sets.set(owner.key, bytes);
  }
  return sets;
}

before(async () => {
  h = await Harness.start();
  tenant = await h.tenant('bulk');
  users = [];
  for (let i = 0; i < USERS; i++) {
    users.push(
      await h.store.directory.createUser({
        tenantId: tenant.id,
        userPrincipalName: `user${i}@bulk.example`,
        displayName: `User ${i}`,
        mail: i % 5 === 1 ? `person.${i}@mail.example` : `user${i}@bulk.example`,
      }),
    );
  }
  groups = [];
  for (let i = 0; i < GROUPS; i++) {
    groups.push(await h.store.groups.createGroup({ tenantId: tenant.id, displayName: `Group ${i}` }));
  }
  work = mkdtempSync(join(tmpdir(), 'portrait-bulk-'));
  photos = join(work, 'photos');
  mkdirSync(photos);
  const map = ['file,owner'];
  // The first two users are kept for the failures below; the rest get a photo each.
  for (const [i, user] of users.entries()) {
    if (i < 2) continue;
    writeFileSync(join(photos, userFile(user, i)), await image(i, 'jpeg'));
  }
  for (const [i, group] of groups.entries()) {
    writeFileSync(join(photos, `logo-${i}.png`), await image(USERS + i, 'png'));
    map.push(`logo-${i}.png,${i % 2 ? `group:${group.id}` : `"group:Group ${i}"`}`);
  }
  writeFileSync(join(photos, 'user0@bulk.example.jpg'), 'this is not an image');
  writeFileSync(join(photos, 'user1@bulk.example.gif'), Buffer.alloc(4 * 1024 * 1024 + 1));
  writeFileSync(join(photos, 'nobody@bulk.example.jpg'), await image(0, 'jpeg'));
  writeFileSync(join(photos, 'user2@BULK.example.webp'), await image(2, 'jpeg'));
  writeFileSync(join(photos, 'notes.txt'), 'portraits from the 2026 photo day');
  map.push('missing.png,group:Group 0');
  writeFileSync(join(work, 'map.csv'), `${map.join('\n')}\n`);
});
after(async () => {
  await h.close();
  rmSync(work, { recursive: true, force: true });
});

describe('photos import', () => {
  const importAll = (...extra: string[]) =>
    cli(['photos', 'import', photos, '--tenant', 'bulk', '--map', join(work, 'map.csv'), ...extra]);

  const expectedFailures = [
    ['missing.png', /named in the map file, but not found/],
    [
      'nobody@bulk.example.jpg',
      /no user with the userPrincipalName, mail or object id 'nobody@bulk.example'/,
    ],
    ['user0@bulk.example.jpg', /plain text, not an image/],
    ['user1@bulk.example.gif', /at most 4194304 \(4 MiB\)/],
    ['user2@BULK.example.webp', /user2@bulk\.example already gets its photo from user2@bulk\.example\.jpg/],
  ] as const;

  it('imports 1,000 owners named by UPN, mail, object id and a map file, reporting each failure', async () => {
    const result = await importAll('--json');
    assert.equal(result.code, 1, 'exit 1: something failed');
    assert.equal(result.stderr, '', 'no progress bar without a terminal');
    const report = result.json();
    assert.deepEqual(Object.keys(report), ['imported', 'skipped', 'failed', 'failures']);
    assert.equal(report.imported, USERS - 2 + GROUPS);
    assert.equal(report.skipped, 0);
    assert.equal(report.failed, expectedFailures.length);
    assert.deepEqual(
      report.failures.map((f: { file: string }) => f.file),
      expectedFailures.map(([file]) => file),
    );
    for (const [index, [, reason]] of expectedFailures.entries()) {
      assert.match(report.failures[index].error, reason);
    }
    for (const i of [3, 6, 9, 940 - 1]) {
      const set = await h.store.photos.readPhotoSet(tenant.id, users[i]!.id);
      assert.deepEqual(
        set?.variants.map((v) => v.sizeId),
        ['48X48', '64X64'],
        `user ${i} (${userFile(users[i]!, i)})`,
      );
    }
    assert.ok(await h.store.photos.readPhotoSet(tenant.id, groups[0]!.id), 'group by name');
    assert.ok(await h.store.photos.readPhotoSet(tenant.id, groups[1]!.id), 'group by id');
    assert.equal(await h.store.photos.readPhotoSet(tenant.id, users[0]!.id), undefined);
  });

  it('serves what it imported at once, through the running server', async () => {
    const token = await h.appToken(tenant, ['ProfilePhoto.Read.All']);
    const reply = await h.request('GET', '/v1.0/users/user4@bulk.example/photos/64x64/$value', { token });
    assert.equal(reply.status, 200);
    assert.equal((await sharp(reply.body).metadata()).width, 64);
  });

  it('imports only what changed when run again, and prints a summary table for a person', async () => {
    const again = await importAll();
    assert.equal(again.code, 1);
    assert.match(again.stdout, /^imported\s+0$/m);
    assert.match(again.stdout, new RegExp(`^skipped \\(unchanged\\)\\s+${USERS - 2 + GROUPS}$`, 'm'));
    assert.match(again.stdout, /^failed\s+5$/m);
    assert.match(again.stdout, /^not photos, ignored \(notes\.txt\)\s+1$/m);
    assert.match(again.stdout, /^file\s+reason$/m);
    assert.match(again.stdout, /^nobody@bulk\.example\.jpg\s+no user/m);

    for (const i of [10, 11, 14])
      writeFileSync(join(photos, userFile(users[i]!, i)), await image(i, 'jpeg', 30));
    const before = await h.store.photos.readPhotoSet(tenant.id, users[10]!.id);
    const changed = (await importAll('--json')).json();
    assert.deepEqual(
      [changed.imported, changed.skipped, changed.failed],
      [3, USERS - 2 + GROUPS - 3, expectedFailures.length],
    );
    assert.notEqual((await h.store.photos.readPhotoSet(tenant.id, users[10]!.id))?.etag, before?.etag);
  });

  it('reads a ZIP archive, with its files in folders', async () => {
    const zipPath = join(work, 'portraits.zip');
    const zip = new yazl.ZipFile();
    for (const i of [20, 21, 22, 23, 24]) {
      zip.addBuffer(await image(i, 'jpeg', i === 20 ? 0 : 60), `2026/portraits/${userFile(users[i]!, i)}`);
    }
    zip.addBuffer(Buffer.from('resource fork'), '__MACOSX/2026/._user20@bulk.example.jpg');
    zip.addBuffer(Buffer.from('{}'), '2026/manifest.json');
    zip.end();
    await new Promise<void>((resolve) =>
      zip.outputStream.pipe(createWriteStream(zipPath)).once('close', () => resolve()),
    );
    const result = await cli([
      'photos',
      'import',
      zipPath,
      '--tenant',
      'bulk',
      '--concurrency',
      '3',
      '--json',
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.json(), { imported: 4, skipped: 1, failed: 0, failures: [] });
  });

  it('refuses a bad call with exit 2 and one line', async () => {
    for (const args of [
      ['photos', 'import', join(work, 'nowhere'), '--tenant', 'bulk'],
      ['photos', 'import', photos, '--tenant', 'bulk', '--concurrency', '0'],
      ['photos', 'import', join(work, 'map.csv'), '--tenant', 'bulk'],
      ['photos', 'import', photos, '--tenant', 'bulk', '--map', join(work, 'no-map.csv')],
      ['photos', 'export', join(work, 'x'), '--tenant', 'bulk', '--size', 'large'],
    ]) {
      const result = await cli(args);
      assert.equal(result.code, 2, args.join(' '));
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    }
    writeFileSync(join(work, 'bad-map.csv'), 'file,owner\nonly-one-column\n');
    const badMap = await cli([
      'photos',
      'import',
      photos,
      '--tenant',
      'bulk',
      '--map',
      join(work, 'bad-map.csv'),
    ]);
    assert.equal(badMap.code, 2);
    assert.match(badMap.stderr, /row 1 is not 'file,owner'/);
  });
});

describe('photos export', () => {
  let exported: string;

  before(async () => {
    exported = join(work, 'exported');
    const result = await cli(['photos', 'export', exported, '--tenant', 'bulk', '--json']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.json().exported, USERS - 2 + GROUPS);
  });

  it('writes one JPEG per owner, named for import, and a manifest with sizes and ETags', async () => {
    const files = readdirSync(exported);
    assert.equal(files.length, USERS - 2 + GROUPS + 1);
    assert.ok(files.includes('user3@bulk.example.jpg'));
    assert.ok(files.includes(`group-${groups[5]!.id}.jpg`));
    const manifest = JSON.parse(readFileSync(join(exported, 'manifest.json'), 'utf8'));
    assert.equal(manifest.size, 'largest');
    const entry = manifest.photos.find((p: { owner: string }) => p.owner === 'user3@bulk.example');
    const set = await h.store.photos.readPhotoSet(tenant.id, users[3]!.id);
    assert.deepEqual(entry, {
      owner: 'user3@bulk.example',
      id: users[3]!.id,
      file: 'user3@bulk.example.jpg',
      size: '64X64',
      width: 64,
      height: 64,
      etag: `"${set!.etag}"`,
    });
    assert.ok(manifest.photos.some((p: { owner: string }) => p.owner === `group:${groups[5]!.id}`));
  });

  it('imports into an empty tenant with the same users as byte-identical photo sets', async () => {
    const copy = await h.tenant('copy');
    const copyUsers: User[] = [];
    for (const user of users) {
      copyUsers.push(
        await h.store.directory.createUser({
          tenantId: copy.id,
          userPrincipalName: user.userPrincipalName,
          displayName: user.displayName,
          mail: user.mail,
        }),
      );
    }
    const map = ['file,owner'];
    const copyGroups: Group[] = [];
    for (const group of groups) {
      const made = await h.store.groups.createGroup({ tenantId: copy.id, displayName: group.displayName });
      copyGroups.push(made);
      map.push(`group-${group.id}.jpg,group:${made.id}`);
    }
    writeFileSync(join(work, 'copy-map.csv'), map.join('\n'));
    const result = await cli([
      'photos',
      'import',
      exported,
      '--tenant',
      'copy',
      '--map',
      join(work, 'copy-map.csv'),
      '--json',
    ]);
    assert.equal(result.code, 0, result.stdout);
    assert.deepEqual(result.json(), { imported: USERS - 2 + GROUPS, skipped: 0, failed: 0, failures: [] });

    const keyed = (list: { id: string; displayName: string }[]) =>
      list.map((o) => ({ id: o.id, key: o.displayName }));
    const original = await photoSets(h.store, tenant, [...keyed(users), ...keyed(groups)]);
    const copied = await photoSets(h.store, copy, [...keyed(copyUsers), ...keyed(copyGroups)]);
    assert.equal(copied.size, original.size);
    for (const [key, sizes] of original) {
      assertSameBytes(copied.get(key), sizes, key);
    }
  });

  it('exports one size with --size', async () => {
    const small = join(work, 'small');
    const result = await cli(['photos', 'export', small, '--tenant', 'bulk', '--size', '48x48', '--json']);
    assert.equal(result.code, 0);
    const manifest = JSON.parse(readFileSync(join(small, 'manifest.json'), 'utf8'));
    assert.equal(manifest.size, '48X48');
    assert.ok(manifest.photos.every((p: { size: string }) => p.size === '48X48'));
    assert.equal((await sharp(readFileSync(join(small, 'user3@bulk.example.jpg'))).metadata()).width, 48);
  });
});

describe('tenant update --avatars', () => {
  it('turns the avatar endpoint on and off, and refuses other values with exit 2', async () => {
    const on = await cli(['tenant', 'update', 'bulk', '--avatars', 'public', '--json']);
    assert.equal(on.code, 0, on.stderr);
    assert.equal(on.json().settings.avatars, 'public');
    const off = await cli(['tenant', 'update', 'bulk', '--avatars', 'off', '--json']);
    assert.equal(off.json().settings.avatars, 'off');
    const wrong = await cli(['tenant', 'update', 'bulk', '--avatars', 'everyone']);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /off, public/);
  });
});
