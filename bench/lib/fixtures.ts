// What the benchmark reads and uploads: a store with N users that each have a photo set (the
// same encoded sizes, made once by the real pipeline), an app token, and real JPEG files.
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { SigningKeys } from '../../src/auth/signing-keys.js';
import { mintAppToken } from '../../src/auth/token-issuer.js';
import { processPhoto } from '../../src/image/photo-pipeline.js';
import { issuerBaseOf } from '../../src/services/tokens.js';
import { type BlobOptions, openStore } from '../../src/store/open-store.js';

export interface Seeded {
  tenantId: string;
  userIds: string[];
  token: string;
  smallPhoto: Buffer;
  etag: string;
  /** /avatar/{hash} of the first user (the tenant's avatars are public). */
  avatarHash: string;
}

/** A photo-like JPEG: smooth colour fields with noise, so it compresses like a real photo. */
export async function photoJpeg(width: number, height: number, quality: number, blur = 1.2): Promise<Buffer> {
  const noise = await sharp({
    create: {
      width,
      height,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .blur(blur)
    .raw()
    .toBuffer();
  return sharp(noise, { raw: { width, height, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
}

/** More users, each with a photo set, in a store that has the bench tenant. */
export async function addUsers(
  databaseUrl: string,
  tenantId: string,
  count: number,
  firstIndex: number,
  onProgress?: (done: number) => void,
): Promise<string[]> {
  const store = await openStore(databaseUrl);
  try {
    const sizes = [
      (await processPhoto(await photoJpeg(48, 48, 85), { maxPixels: 40e6, jpegQuality: 88 }))[0]!,
    ];
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const user = await store.directory.createUser({
        tenantId,
        userPrincipalName: `user${firstIndex + i}@bench.example`,
        displayName: `User ${firstIndex + i}`,
      });
      await store.photos.replacePhotoSet(tenantId, user.id, sizes);
      ids.push(user.id);
      if (i % 20000 === 19999) onProgress?.(i + 1);
    }
    return ids;
  } finally {
    await store.close();
  }
}

/**
 * The same JPEG with a comment segment (COM) saying `text` right after its start marker: the same
 * image, pixels and size to every decoder, but other bytes, so another SHA-256 and another object
 * in a blob store.
 */
export function withComment(jpeg: Buffer, text: string): Buffer {
  const comment = Buffer.from(text, 'latin1');
  const marker = Buffer.from([0xff, 0xfe, 0, 0]);
  marker.writeUInt16BE(comment.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), marker, comment, jpeg.subarray(2)]);
}

export interface SeedOptions {
  /** Where the photo bytes go (`--blob-store`); the database by default. */
  blobs?: BlobOptions;
  /**
   * Each user's sizes made distinct by a comment naming the user (withComment), so no two users
   * share an object; by default every user has the very same bytes (one object per size).
   */
  distinctPhotos?: boolean;
}

export async function seed(
  databaseUrl: string,
  users: number,
  onProgress?: (done: number) => void,
  options: SeedOptions = {},
): Promise<Seeded> {
  const store = await openStore(databaseUrl, options.blobs);
  try {
    const created = await store.directory.createTenant({ name: 'bench' });
    const tenant = await store.directory.updateTenantSettings(created.id, { avatars: 'public' });
    const sizes = await processPhoto(await photoJpeg(700, 700, 85), { maxPixels: 40e6, jpegQuality: 88 });
    const sizesOf = (i: number) =>
      options.distinctPhotos
        ? sizes.map((size) => ({ ...size, bytes: withComment(size.bytes, `bench user ${i}`) }))
        : sizes;
    const userIds: string[] = [];
    /** The first user's: the read benchmarks read that user. */
    let etag = '';
    for (let i = 0; i < users; i++) {
      const user = await store.directory.createUser({
        tenantId: tenant.id,
        userPrincipalName: `user${i}@bench.example`,
        displayName: `User ${i}`,
      });
      const set = await store.photos.replacePhotoSet(tenant.id, user.id, sizesOf(i));
      if (i === 0) etag = set.etag;
      userIds.push(user.id);
      if (i % 1000 === 999) onProgress?.(i + 1);
    }
    const keys = await SigningKeys.open(store.keys);
    const token = await mintAppToken(
      keys,
      {
        tenant,
        appId: '11111111-1111-1111-1111-111111111111',
        appName: 'bench',
        roles: ['ProfilePhoto.ReadWrite.All'],
      },
      {
        issuerBase: await issuerBaseOf(store.keys),
        audience: 'https://graph.microsoft.com',
        lifetimeSeconds: 4 * 3600,
      },
    );
    const avatarHash = createHash('md5').update('user0@bench.example').digest('hex');
    return { tenantId: tenant.id, userIds, token, smallPhoto: sizes[0]!.bytes, etag, avatarHash };
  } finally {
    await store.close();
  }
}
