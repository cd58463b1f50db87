// `--blob-store` on the real command line (SPEC §14, §1), against s3rver, azurite and a folder
// started by each test: serve refuses a bucket, container or folder that is not there in one line
// and creates nothing; a mistyped URL is a usage error; a store refuses a blob store other than the
// one it remembers, naming both; `blobs gc` and `blobs verify` on S3 (nothing outside the prefix is
// touched); `store copy` between every pair of blob stores, on SQLite and PostgreSQL; and a server
// SIGKILLed during uploads to S3 comes back with every photo whole or absent.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import {
  DeleteObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { BlobServiceClient } from '@azure/storage-blob';
import sharp from 'sharp';
import { Agent, request } from 'undici';
import { openStore } from '../../src/store/open-store.js';
import { blobKey } from '../../src/store/photo-sets.js';
import { portrait, portraitJson, type ServeProcess, serve } from '../support/cli.js';
import { assertSameBytes, noiseJpeg, type Rgb, solidJpeg } from '../support/images.js';
import { type BlobKind, type ObjectService, S3_ENV, startObjectService } from '../support/object-stores.js';
import { createTestDatabase, postgresOrSkipNotice } from '../support/postgres.js';

// This process lists buckets itself; the SDK's notice about Node 22 would only clutter the output.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

const pgReachable = await postgresOrSkipNotice('the store copy cases on PostgreSQL with blob stores');

/** A temporary directory, removed when the test ends. */
function scratch(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'portrait-blobs-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Starts object services: the environment that reaches them, and a fresh place for one store's bytes in each. */
async function startServices(...kinds: BlobKind[]) {
  const started = new Map<BlobKind, ObjectService>();
  const stop = () => Promise.all([...started.values()].map((service) => service.stop()));
  try {
    for (const kind of kinds) started.set(kind, await startObjectService(kind));
  } catch (error) {
    await stop();
    throw error;
  }
  const env = Object.assign({}, ...[...started.values()].map((s) => s.env)) as Record<string, string>;
  /** `database`, or a new bucket, container or folder, as a `--blob-store` URL. */
  const newBlobStore = (kind: BlobKind | 'database') =>
    kind === 'database' ? Promise.resolve('database') : started.get(kind)!.newBlobStore();
  return { env, newBlobStore, stop };
}

/** The object services a test needs, stopped when it ends. */
async function services(t: TestContext, ...kinds: BlobKind[]) {
  const started = await startServices(...kinds);
  t.after(() => started.stop());
  return started;
}

/** `portrait serve` on a store, stopped (SIGKILL) when the test ends if the test did not stop it. */
async function serveStore(
  t: TestContext,
  store: string[],
  dataDir: string,
  env: Record<string, string>,
): Promise<{ server: ServeProcess; agent: Agent }> {
  const server = await serve(['--port', '0', ...store, '--no-demo', '--log-level', 'warn'], env);
  t.after(() => {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  });
  const agent = new Agent({ connect: { ca: readFileSync(join(dataDir, 'tls', 'ca.pem')) } });
  t.after(() => agent.close());
  return { server, agent };
}

async function call(
  { server, agent }: { server: ServeProcess; agent: Agent },
  token: string,
  method: 'GET' | 'PUT' | 'DELETE',
  path: string,
  body?: Buffer,
) {
  const response = await request(`${server.url}/v1.0${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'image/jpeg' } : {}) },
    ...(body ? { body } : {}),
    dispatcher: agent,
  });
  const bytes = Buffer.from(await response.body.arrayBuffer());
  return {
    status: response.statusCode,
    etag: response.headers['etag'] as string | undefined,
    contentType: response.headers['content-type'] as string | undefined,
    bytes,
    json: () => JSON.parse(bytes.toString()),
  };
}

/** An app-only token from `portrait token` that may read and write every photo of the tenant. */
async function photoToken(store: string[], env: Record<string, string>): Promise<string> {
  const minted = await portrait(
    [
      'token',
      ...store,
      '--tenant',
      'contoso',
      '--app',
      'photo-sync',
      '--roles',
      'ProfilePhoto.ReadWrite.All',
    ],
    { env },
  );
  assert.equal(minted.code, 0, minted.stderr);
  return minted.stdout.trim();
}

/** The bucket of an s3:// URL of the test service, through the AWS SDK, as an operator sees it. */
function bucketOf(t: TestContext, url: string) {
  const parsed = new URL(url);
  const bucket = parsed.hostname;
  const client = new S3Client({
    region: 'us-east-1',
    endpoint: parsed.searchParams.get('endpoint')!,
    forcePathStyle: true,
    credentials: { accessKeyId: S3_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: S3_ENV.AWS_SECRET_ACCESS_KEY },
  });
  t.after(() => client.destroy());
  const prefix = parsed.pathname.replace(/^\/+/, '');
  return {
    bucket,
    client,
    /** The object a photo size's bytes are kept in (SPEC §14). */
    objectOf: (key: string) => `${prefix}/sha256/${key.slice(0, 2)}/${key}.jpg`,
    async names(): Promise<string[]> {
      const names: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, ...(token ? { ContinuationToken: token } : {}) }),
        );
        names.push(...(page.Contents ?? []).map((object) => object.Key!));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return names.sort();
    },
    put: (name: string, body: Buffer) =>
      client.send(new PutObjectCommand({ Bucket: bucket, Key: name, Body: body })),
    remove: (name: string) => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: name })),
  };
}

/** Whether the bucket an s3:// URL names exists, asked of the S3 service itself. */
async function bucketExists(t: TestContext, url: string): Promise<boolean> {
  const { bucket, client } = bucketOf(t, url);
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404)
      return false;
    throw error;
  }
}

const PICTURES: Rgb[] = [
  [200, 40, 40],
  [40, 160, 60],
  [30, 60, 200],
  [220, 180, 30],
];

/**
 * Tenant `contoso` with `count` people, through the CLI as an administrator would make it: every one
 * but the last has a photo, and the first two the same picture (so the same objects).
 */
async function seed(store: string[], env: Record<string, string>, count = 4) {
  const dir = mkdtempSync(join(tmpdir(), 'portrait-blobs-seed-'));
  try {
    await portraitJson(['tenant', 'create', 'contoso', ...store], env);
    const upns = Array.from({ length: count }, (_, i) => `person${i}@contoso.example`);
    const people = join(dir, 'people.csv');
    writeFileSync(
      people,
      ['userPrincipalName,displayName', ...upns.map((upn, i) => `${upn},Person ${i}`)].join('\n'),
    );
    await portraitJson(['user', 'import', people, '--tenant', 'contoso', ...store], env);
    const photos = join(dir, 'photos');
    mkdirSync(photos);
    for (const [i, upn] of upns.slice(0, -1).entries()) {
      const picture = PICTURES[Math.max(i, 1) - 1]!;
      writeFileSync(join(photos, `${upn}.jpg`), await solidJpeg(300, 300, picture));
    }
    const imported = await portraitJson(['photos', 'import', photos, '--tenant', 'contoso', ...store], env);
    assert.equal(imported.imported, count - 1, JSON.stringify(imported));
    const users: { id: string; userPrincipalName: string }[] = (
      await portraitJson(['user', 'list', '--tenant', 'contoso', ...store], env)
    ).value;
    assert.equal(users.length, count);
    return { users: upns.map((upn) => users.find((u) => u.userPrincipalName === upn)!) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface StoredPhoto {
  etag: string;
  sizeIds: string[];
  bytes: Buffer[];
}

/** Tenant contoso read through the store: its users, and each one's photo (undefined: none) by id. */
async function contentsOf(database: string, blobStore: string) {
  const store = await openStore(database, { blobStore });
  try {
    const tenant = (await store.directory.findTenant('contoso'))!;
    const users = (await store.directory.listUsers(tenant.id, { top: 999 })).items;
    const photos = new Map<string, StoredPhoto | undefined>();
    for (const user of users) {
      const set = await store.photos.readPhotoSet(tenant.id, user.id);
      if (!set) {
        photos.set(user.id, undefined);
        continue;
      }
      const bytes: Buffer[] = [];
      for (const size of set.variants) {
        const variant = (await store.photos.readVariant(tenant.id, user.id, size.sizeId))!;
        assert.equal(variant.etag, set.etag);
        bytes.push(variant.bytes);
      }
      photos.set(user.id, { etag: set.etag, sizeIds: set.variants.map((v) => v.sizeId), bytes });
    }
    return { users, photos };
  } finally {
    await store.close();
  }
}

/** The keys (SHA-256 of the bytes) of a stored photo's sizes. */
const keysOf = (photo: StoredPhoto | undefined) => new Set((photo?.bytes ?? []).map((b) => blobKey(b)));

/** Every key the photos name. */
const keysOfAll = (photos: Map<string, StoredPhoto | undefined>) =>
  new Set([...photos.values()].flatMap((photo) => [...keysOf(photo)]));

const lines = (stderr: string) => stderr.trimEnd().split('\n');

describe('portrait serve --blob-store, start-up check', { timeout: 120_000 }, () => {
  it('stops with one line naming the store and why, exit 1, for a bucket, container or folder that is not there, and creates none', async (t) => {
    const { env, newBlobStore } = await services(t, 's3', 'azure', 'file');
    const data = scratch(t);
    const existing = await newBlobStore('s3');
    const absent = `absent-${Date.now().toString(36)}`;
    const noBucket = existing.replace(/^s3:\/\/[^/]+/, `s3://${absent}`);
    const noContainer = `azure://${absent}/portrait`;
    const noFolder = `file:${join(data, 'no-such-folder')}`;
    for (const [blobStore, reason] of [
      [noBucket, 'the bucket does not exist'],
      [noContainer, 'the container does not exist'],
      [noFolder, 'the folder does not exist'],
    ]) {
      const result = await portrait(
        [
          'serve',
          '--port',
          '0',
          '--data',
          data,
          '--blob-store',
          blobStore!,
          '--no-demo',
          '--log-level',
          'warn',
        ],
        { env },
      );
      assert.equal(result.code, 1, `${blobStore}: ${result.stderr}`);
      assert.equal(lines(result.stderr).length, 1, result.stderr);
      assert.ok(
        result.stderr.startsWith(`error: the blob store ${blobStore} cannot be used: ${reason}`),
        result.stderr,
      );
      assert.doesNotMatch(result.stdout, /listening on/);
    }
    // Any command's first use checks the blob store before the store takes it as its own.
    const command = await portrait(['tenant', 'create', 'first', '--data', data, '--blob-store', noBucket], {
      env,
    });
    assert.equal(command.code, 1, command.stderr);
    assert.ok(
      command.stderr.startsWith(
        `error: the blob store ${noBucket} cannot be used: the bucket does not exist`,
      ),
    );
    assert.equal(await bucketExists(t, noBucket), false, 'the bucket was not created');
    const azure = BlobServiceClient.fromConnectionString(env['AZURE_STORAGE_CONNECTION_STRING']!);
    assert.equal(await azure.getContainerClient(absent).exists(), false, 'the container was not created');
    assert.equal(existsSync(noFolder.slice('file:'.length)), false, 'the folder was not created');

    // Given a bucket that exists, the same store serves.
    const { server } = await serveStore(t, ['--data', data, '--blob-store', existing], data, env);
    assert.equal(await server.stop(), 0);
  });

  it('refuses a --blob-store URL it cannot read with exit 2, on serve and on store commands', async (t) => {
    const data = scratch(t);
    const store = ['--data', data];
    const copy = ['store', 'copy', '--from', `sqlite:${data}/a.db`, '--to', `sqlite:${data}/b.db`];
    for (const [args, said] of [
      [
        ['serve', '--port', '0', ...store, '--blob-store', 'ftp://x'],
        /--blob-store must be database, s3:\/\//,
      ],
      [
        ['serve', '--port', '0', ...store, '--blob-store', 's3://b?bogus=1'],
        /'bogus' is not an option of s3:/,
      ],
      [['blobs', 'gc', ...store, '--blob-store', 's3://b?bogus=1'], /'bogus' is not an option of s3:/],
      [
        ['user', 'list', '--tenant', 'x', ...store, '--blob-store', 'ftp://x'],
        /--blob-store must be database/,
      ],
      [[...copy, '--to-blobs', 'ftp://x'], /--blob-store must be database/],
    ] as [string[], RegExp][]) {
      const result = await portrait(args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.equal(lines(result.stderr).length, 1, result.stderr);
      assert.match(result.stderr, /^error: /);
      assert.match(result.stderr, said);
    }
    assert.equal(existsSync(join(data, 'portrait.db')), false, 'a usage error opens no store');
  });
});

describe('a store remembers its blob store', { timeout: 120_000 }, () => {
  it('refuses another one, naming both, in any command and in serve (exit 1, one line); the right one still works', async (t) => {
    const { env, newBlobStore } = await services(t, 's3', 'file');
    const data = scratch(t);
    const blobs = await newBlobStore('s3');
    const store = ['--data', data];
    await seed([...store, '--blob-store', blobs], env, 2);
    const serveArgs = ['serve', '--port', '0', '--no-demo', '--log-level', 'warn'];
    const otherBucket = await newBlobStore('s3');
    const folder = await newBlobStore('file');
    for (const [command, blobArgs, named] of [
      [['user', 'list', '--tenant', 'contoso'], [], 'database'],
      [['token', '--tenant', 'contoso', '--app', 'x', '--roles', 'ProfilePhoto.Read.All'], [], 'database'],
      [['photos', 'export', join(data, 'export'), '--tenant', 'contoso'], [], 'database'],
      [['blobs', 'gc', '--grace', '0s'], [], 'database'],
      [serveArgs, [], 'database'],
      [['blobs', 'verify'], ['--blob-store', 'database'], 'database'],
      [serveArgs, ['--blob-store', otherBucket], otherBucket],
      [['blobs', 'verify'], ['--blob-store', otherBucket], otherBucket],
      [['user', 'list', '--tenant', 'contoso'], ['--blob-store', folder], folder],
    ] as [string[], string[], string][]) {
      const result = await portrait([...command, ...store, ...blobArgs], { env });
      const what = `${command.slice(0, 2).join(' ')} ${blobArgs.join(' ')}`;
      assert.equal(result.code, 1, `${what}: ${result.stderr}`);
      assert.equal(lines(result.stderr).length, 1, `${what}: ${result.stderr}`);
      assert.ok(
        result.stderr.startsWith(
          `error: this store keeps its photos in the blob store ${blobs}, not ${named}: give --blob-store ${blobs}`,
        ),
        `${what}: ${result.stderr}`,
      );
      assert.doesNotMatch(result.stdout, /listening on/);
    }
    assert.equal(existsSync(join(data, 'export')), false, 'a refused export wrote nothing');

    // Nothing was forgotten: with its own blob store the store works, from the CLI and in serve.
    const verified = await portraitJson(['blobs', 'verify', ...store, '--blob-store', blobs], env);
    assert.deepEqual(verified.missing, []);
    assert.ok(verified.checked > 0);
    const running = await serveStore(t, [...store, '--blob-store', blobs], data, env);
    const token = await photoToken([...store, '--blob-store', blobs], env);
    const photo = await call(running, token, 'GET', '/users/person0@contoso.example/photo/$value');
    assert.equal(photo.status, 200);
    assert.equal(await running.server.stop(), 0);
  });
});

describe('portrait blobs gc and verify on S3', { timeout: 120_000 }, () => {
  it('verify counts what photos name; gc deletes the objects of deleted photos only, never outside the prefix; a lost object is reported', async (t) => {
    const { env, newBlobStore } = await services(t, 's3');
    const data = scratch(t);
    const blobs = await newBlobStore('s3');
    const bucket = bucketOf(t, blobs);
    const store = ['--data', data, '--blob-store', blobs];
    const { users } = await seed(store, env, 4);
    const [shared, sameAsShared, own, none] = users;
    const { photos } = await contentsOf(`sqlite:${join(data, 'portrait.db')}`, blobs);
    const keys = (user: { id: string } | undefined) => keysOf(photos.get(user!.id));
    assert.equal(photos.get(none!.id), undefined);
    assert.deepEqual(keys(shared), keys(sameAsShared), 'equal pictures, the same objects');
    const all = keysOfAll(photos);
    assert.equal(all.size, keys(shared).size + keys(own).size);
    assert.deepEqual(await bucket.names(), [...all].map(bucket.objectOf).sort());

    // Objects beside the prefix, some named as photo bytes are (one by a key a photo uses).
    const ownKey = [...keys(own)][0]!;
    const stranger = 'f'.repeat(64);
    const outside = [
      `sha256/${ownKey.slice(0, 2)}/${ownKey}.jpg`,
      `sha256/ff/${stranger}.jpg`,
      `portrait-old/sha256/ff/${stranger}.jpg`,
      `archive/portrait/sha256/${ownKey.slice(0, 2)}/${ownKey}.jpg`,
      'portrait.jpg',
      'readme.txt',
    ];
    for (const name of outside) await bucket.put(name, Buffer.from(`not Portrait's: ${name}`));

    const verify = (...args: string[]) => portrait(['blobs', 'verify', ...store, '--json', ...args], { env });
    const gc = (...args: string[]) => portraitJson(['blobs', 'gc', ...store, ...args], env);
    const clean = await verify('--grace', '0s');
    assert.equal(clean.code, 0, clean.stderr);
    assert.deepEqual(JSON.parse(clean.stdout), { checked: all.size, missing: [], orphaned: 0 });
    assert.deepEqual(await gc('--grace', '0s'), { deleted: 0, kept: all.size });

    // Someone whose picture another still has is deleted (CLI): nothing to collect.
    const deleted = await portrait(['user', 'delete', ...store, '--tenant', 'contoso', sameAsShared!.id], {
      env,
    });
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.deepEqual(await gc('--grace', '0s'), { deleted: 0, kept: all.size });

    // A photo deleted through the API: its objects wait out the grace time, then gc deletes them.
    const running = await serveStore(t, store, data, env);
    const token = await photoToken(store, env);
    assert.equal((await call(running, token, 'DELETE', `/users/${own!.id}/photo/$value`)).status, 200);
    assert.equal((await call(running, token, 'GET', `/users/${own!.id}/photo/$value`)).status, 404);
    assert.deepEqual(JSON.parse((await verify()).stdout), {
      checked: keys(shared).size,
      missing: [],
      orphaned: 0,
    });
    assert.deepEqual(JSON.parse((await verify('--grace', '0s')).stdout), {
      checked: keys(shared).size,
      missing: [],
      orphaned: keys(own).size,
    });
    assert.deepEqual(await gc(), { deleted: 0, kept: 0 }, 'inside the grace time nothing goes');
    assert.deepEqual(await gc('--grace', '0s'), { deleted: keys(own).size, kept: keys(shared).size });
    assert.deepEqual(
      await bucket.names(),
      [...[...keys(shared)].map(bucket.objectOf), ...outside].sort(),
      "the deleted photo's objects are gone; everything outside the prefix is still there",
    );
    assert.deepEqual(JSON.parse((await verify('--grace', '0s')).stdout), {
      checked: keys(shared).size,
      missing: [],
      orphaned: 0,
    });
    assert.equal((await call(running, token, 'GET', `/users/${shared!.id}/photo/$value`)).status, 200);

    // An object removed by hand: verify names its key and exits 1; gc deletes nothing more.
    const lost = [...keys(shared)].sort()[0]!;
    await bucket.remove(bucket.objectOf(lost));
    const broken = await verify();
    assert.equal(broken.code, 1, broken.stderr);
    assert.deepEqual(JSON.parse(broken.stdout), { checked: keys(shared).size, missing: [lost], orphaned: 0 });
    const human = await portrait(['blobs', 'verify', ...store], { env });
    assert.equal(human.code, 1);
    assert.match(human.stdout, new RegExp(`^missing: ${lost}$`, 'm'));
    assert.deepEqual(await gc('--grace', '0s'), { deleted: 0, kept: keys(shared).size });
    assert.deepEqual(
      await bucket.names(),
      [...[...keys(shared)].filter((key) => key !== lost).map(bucket.objectOf), ...outside].sort(),
    );
    assert.equal(await running.server.stop(), 0);
  });
});

type Kind = BlobKind | 'database';
const KINDS: Kind[] = ['database', 's3', 'azure', 'file'];

/** One end of a copy: a SQL store, the directory serve keeps its TLS files in, and the blob store. */
interface End {
  database: string;
  dataDir: string;
  blobs: string;
}

const storeArgs = (end: End) => [
  '--data',
  end.dataDir,
  '--database',
  end.database,
  '--blob-store',
  end.blobs,
];

/** A SQLite store in a new directory (removed by `cleanup`) with its photos in `blobs`. */
function sqliteEnd(blobs: string, cleanup: (dir: string) => void): End {
  const dataDir = mkdtempSync(join(tmpdir(), 'portrait-blobs-copy-'));
  cleanup(dataDir);
  return { database: `sqlite:${join(dataDir, 'portrait.db')}`, dataDir, blobs };
}

const removeWhenDone = (t: TestContext) => (dir: string) =>
  t.after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * `store copy` from `source` into the empty `target`: the same users and ids, byte-identical photos
 * and the same ETags read through both stores, `blobs verify` clean on the target, and the target
 * serving them with its own `--blob-store` to a token minted on the source (the signing keys came too).
 */
async function copyAndCheck(
  t: TestContext,
  source: End,
  target: End,
  env: Record<string, string>,
  token: string,
  { fromBlobs = true } = {},
) {
  const copied = await portrait(
    [
      'store',
      'copy',
      '--from',
      source.database,
      '--to',
      target.database,
      ...(fromBlobs ? ['--from-blobs', source.blobs] : []),
      '--to-blobs',
      target.blobs,
      '--json',
    ],
    { env },
  );
  assert.equal(copied.code, 0, copied.stderr);
  const expected = await contentsOf(source.database, source.blobs);
  const keys = keysOfAll(expected.photos);
  const counts = JSON.parse(copied.stdout).copied;
  assert.equal(counts.users, expected.users.length);
  assert.equal(counts['photo bytes'], keys.size);

  const arrived = await contentsOf(target.database, target.blobs);
  assert.deepEqual(arrived.users, expected.users, 'the same users with the same ids');
  for (const [id, photo] of expected.photos) {
    const copy = arrived.photos.get(id);
    assert.equal(copy?.etag, photo?.etag, `${id}: the same ETag`);
    assert.deepEqual(copy?.sizeIds, photo?.sizeIds);
    assertSameBytes(copy?.bytes, photo?.bytes, id);
  }
  assert.deepEqual(await portraitJson(['blobs', 'verify', ...storeArgs(target), '--grace', '0s'], env), {
    checked: keys.size,
    missing: [],
    orphaned: 0,
  });

  const running = await serveStore(t, storeArgs(target), target.dataDir, env);
  for (const [id, photo] of expected.photos) {
    const read = await call(running, token, 'GET', `/users/${id}/photo/$value`);
    if (!photo) {
      assert.equal(read.status, 404);
      continue;
    }
    assert.equal(read.status, 200, read.bytes.toString());
    assert.equal(read.etag, `"${photo.etag}"`);
    assert.ok(read.bytes.equals(photo.bytes.at(-1)!), `${id}: the served photo is the copied one`);
  }
  assert.equal(await running.server.stop(), 0);
}

describe('portrait store copy between blob stores, on SQLite', { timeout: 300_000 }, () => {
  for (const from of KINDS) {
    describe(`from a store with its photos in ${from}`, () => {
      let objects: Awaited<ReturnType<typeof startServices>>;
      const dirs: string[] = [];
      let source: End;
      let token: string;
      before(async () => {
        objects = await startServices('s3', 'azure', 'file');
        source = sqliteEnd(await objects.newBlobStore(from), (dir) => dirs.push(dir));
        await seed(storeArgs(source), objects.env);
        token = await photoToken(storeArgs(source), objects.env);
      });
      after(async () => {
        await objects?.stop();
        for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
      });
      for (const to of KINDS.filter((kind) => kind !== from)) {
        it(`to one with its photos in ${to}`, async (t) => {
          const target = sqliteEnd(await objects.newBlobStore(to), removeWhenDone(t));
          // Without --from-blobs, the blob store the source remembers is read.
          await copyAndCheck(t, source, target, objects.env, token, { fromBlobs: to !== 'database' });
        });
      }
    });
  }
});

describe('portrait store copy between blob stores, with PostgreSQL', {
  skip: !pgReachable,
  timeout: 300_000,
}, () => {
  it('SQLite with S3 → PostgreSQL with Azure → PostgreSQL with the database → SQLite with a folder', async (t) => {
    const { env, newBlobStore } = await services(t, 's3', 'azure', 'file');
    const first = await createTestDatabase();
    t.after(() => first.drop());
    const second = await createTestDatabase();
    t.after(() => second.drop());
    const source = sqliteEnd(await newBlobStore('s3'), removeWhenDone(t));
    await seed(storeArgs(source), env, 5);
    const token = await photoToken(storeArgs(source), env);
    const withAzure = { database: first.url, dataDir: scratch(t), blobs: await newBlobStore('azure') };
    await copyAndCheck(t, source, withAzure, env, token);
    const inDatabase = { database: second.url, dataDir: scratch(t), blobs: 'database' };
    await copyAndCheck(t, withAzure, inDatabase, env, token, { fromBlobs: false });
    await copyAndCheck(t, inDatabase, sqliteEnd(await newBlobStore('file'), removeWhenDone(t)), env, token);
  });
});

describe('portrait serve with S3, SIGKILLed during uploads', { timeout: 300_000 }, () => {
  it('comes back with every photo whole or absent, never a 500, and blobs verify finds nothing missing', async (t) => {
    const { env, newBlobStore } = await services(t, 's3');
    const data = scratch(t);
    const blobs = await newBlobStore('s3');
    const store = ['--data', data, '--blob-store', blobs];
    const count = 32;
    await portraitJson(['tenant', 'create', 'contoso', ...store], env);
    const people = join(data, 'people.csv');
    const rows = Array.from({ length: count }, (_, i) => `u${i}@contoso.example,U ${i}`);
    writeFileSync(people, ['userPrincipalName,displayName', ...rows].join('\n'));
    await portraitJson(['user', 'import', people, '--tenant', 'contoso', ...store], env);
    const users: { id: string }[] = (
      await portraitJson(['user', 'list', '--tenant', 'contoso', ...store], env)
    ).value;
    const token = await photoToken(store, env);

    // A first photo for every other person, each answered.
    let running = await serveStore(t, store, data, env);
    const firstPhotos = new Map<string, string>();
    for (const user of users.filter((_, i) => i % 2 === 0)) {
      const put = await call(
        running,
        token,
        'PUT',
        `/users/${user.id}/photo/$value`,
        await noiseJpeg(200, 200),
      );
      assert.equal(put.status, 200, put.bytes.toString());
      firstPhotos.set(user.id, put.etag!);
    }

    // Then a new photo for everyone at once; the server is killed once a few have been answered.
    const bodies = await Promise.all(users.map(() => noiseJpeg(900, 900)));
    const answered = new Map<string, { status: number; etag?: string }>();
    let killed: Promise<unknown> | undefined;
    const kill = () => {
      const child = running.server.child;
      killed ??= new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGKILL');
      });
      return killed;
    };
    await Promise.all(
      users.map(async (user, i) => {
        try {
          const put = await call(running, token, 'PUT', `/users/${user.id}/photo/$value`, bodies[i]);
          if (killed) return; // answered as the process died: counted with those cut off
          answered.set(user.id, { status: put.status, ...(put.etag ? { etag: put.etag } : {}) });
          if ([...answered.values()].filter((a) => a.status === 200).length >= 4) await kill();
        } catch {
          // cut off by the kill
        }
      }),
    );
    await kill();
    const acknowledged = [...answered.values()].filter((a) => a.status === 200).length;
    t.diagnostic(`${acknowledged} uploads answered 200, ${users.length - answered.size} cut off by SIGKILL`);
    assert.ok(acknowledged >= 4, 'some uploads were answered before the kill');
    assert.ok(answered.size < users.length, 'some uploads were cut off by the kill');
    for (const [id, a] of answered)
      assert.ok([200, 429, 503].includes(a.status), `${id}: PUT answered ${a.status}`);

    running = await serveStore(t, store, data, env);
    /** Each person's photo is whole with one ETag throughout, or absent; an acknowledged one is there. */
    const check = async () => {
      const seen = new Map<string, string | undefined>();
      for (const user of users) {
        const meta = await call(running, token, 'GET', `/users/${user.id}/photo`);
        assert.ok([200, 404].includes(meta.status), `${user.id}: GET photo answered ${meta.status}`);
        const ack = answered.get(user.id);
        if (meta.status === 404) {
          assert.ok(!firstPhotos.has(user.id) && ack?.status !== 200, `${user.id}: a stored photo was lost`);
          assert.equal((await call(running, token, 'GET', `/users/${user.id}/photo/$value`)).status, 404);
          seen.set(user.id, undefined);
          continue;
        }
        const { width, height, '@odata.mediaEtag': etag } = meta.json();
        if (ack?.status === 200) assert.equal(etag, ack.etag, `${user.id}: the acknowledged upload`);
        const value = await call(running, token, 'GET', `/users/${user.id}/photo/$value`);
        assert.equal(value.status, 200, `${user.id}: GET $value answered ${value.status}`);
        assert.equal(value.etag, etag, `${user.id}: the bytes are of the set the metadata named`);
        assert.equal(value.contentType, 'image/jpeg');
        const decoded = await sharp(value.bytes).metadata();
        assert.equal(decoded.format, 'jpeg');
        assert.deepEqual([decoded.width, decoded.height], [width, height]);
        await sharp(value.bytes).raw().toBuffer(); // decodes to the end: nothing cut short
        const again = await call(running, token, 'GET', `/users/${user.id}/photo`);
        assert.equal(again.json()['@odata.mediaEtag'], etag, `${user.id}: the ETag held between reads`);
        seen.set(user.id, etag);
      }
      return seen;
    };
    const afterRestart = await check();

    const named = keysOfAll((await contentsOf(`sqlite:${join(data, 'portrait.db')}`, blobs)).photos);
    assert.deepEqual(await portraitJson(['blobs', 'verify', ...store], env), {
      checked: named.size,
      missing: [],
      orphaned: 0,
    });
    // What the cut-off uploads left behind goes with gc; every photo still reads the same.
    const collected = await portraitJson(['blobs', 'gc', ...store, '--grace', '0s'], env);
    const present = [...afterRestart.values()].filter(Boolean).length;
    t.diagnostic(
      `after the restart ${present} photos read whole, ${users.length - present} are absent; gc: ${JSON.stringify(collected)}`,
    );
    assert.deepEqual(await portraitJson(['blobs', 'verify', ...store, '--grace', '0s'], env), {
      checked: named.size,
      missing: [],
      orphaned: 0,
    });
    assert.deepEqual(await check(), afterRestart);
    assert.equal(await running.server.stop(), 0);
  });
});
