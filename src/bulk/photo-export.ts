// `portrait photos export`: one JPEG per user and group with a photo, named so that `photos import`
// finds the owner again (`<upn>.jpg`, `group-<id>.jpg`), and a manifest.json listing them (SPEC §1).
// The default is each photo's largest size, which imports back into the same set byte for byte
// (the pipeline keeps a JPEG in stored form as it is, image/photo-pipeline.ts).
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type PhotoSize, sizeId } from '../domain/photo-sizes.js';
import type { Page } from '../domain/listing.js';
import type { PhotoSetInfo } from '../domain/photo-set.js';
import type { Tenant } from '../domain/tenant.js';
import type { PhotoStore } from '../store/photo-store.js';
import type { Store } from '../store/store.js';
import { quoteEtag } from '../graph/etags.js';

export interface ExportOptions {
  /** Export this size, or the largest a photo has below it; each photo's largest when omitted. */
  size?: PhotoSize;
  onOwner?: (done: number, total: number) => void;
}

export interface ManifestEntry {
  /** The userPrincipalName, or `group:<id>`. */
  owner: string;
  id: string;
  file: string;
  /** `648X648` */
  size: string;
  width: number;
  height: number;
  /** The photo's ETag, quoted, as `$value` sends it. */
  etag: string;
}

export interface Manifest {
  tenant: { id: string; name: string };
  exportedAt: string;
  size: string;
  photos: ManifestEntry[];
}

export interface ExportReport {
  exported: number;
  directory: string;
  manifest: string;
}

interface Owner {
  id: string;
  owner: string;
  file: string;
}

/** Every item of a listing, page after page. */
async function everything<T extends { id: string }>(
  list: (after?: string) => Promise<Page<T>>,
): Promise<T[]> {
  const items: T[] = [];
  let after: string | undefined;
  do {
    const page = await list(after);
    items.push(...page.items);
    after = page.next;
  } while (after);
  return items;
}

/**
 * A userPrincipalName as a file name, when it is a safe one (the characters Entra allows in a
 * UPN); anything else is written under the object id, which imports the same.
 */
const SAFE_NAME = /^[A-Za-z0-9'._!#^~@+-]+$/;
const userFile = (upn: string, id: string) => `${SAFE_NAME.test(upn) && !upn.startsWith('.') ? upn : id}.jpg`;

async function owners(store: Pick<Store, 'directory' | 'groups'>, tenant: Tenant): Promise<Owner[]> {
  const query = (after?: string) => ({ top: 999, ...(after ? { after } : {}) });
  const users = await everything((after) => store.directory.listUsers(tenant.id, query(after)));
  const groups = await everything((after) => store.groups.listGroups(tenant.id, query(after)));
  return [
    ...users.map((u) => ({
      id: u.id,
      owner: u.userPrincipalName,
      file: userFile(u.userPrincipalName, u.id),
    })),
    ...groups.map((g) => ({ id: g.id, owner: `group:${g.id}`, file: `group-${g.id}.jpg` })),
  ];
}

/** The size to export from a set: the one asked for, the largest below it, or the largest. */
function pick(set: PhotoSetInfo, size?: PhotoSize) {
  if (!size) return set.variants.at(-1)!;
  return (
    set.variants.filter((v) => v.width <= size.width && v.height <= size.height).at(-1) ?? set.variants[0]!
  );
}

async function exportOne(photos: PhotoStore, tenant: Tenant, dir: string, owner: Owner, size?: PhotoSize) {
  const set = await photos.readPhotoSet(tenant.id, owner.id);
  if (!set) return undefined;
  const variant = await photos.readVariant(tenant.id, owner.id, pick(set, size).sizeId);
  if (!variant) return undefined;
  await writeFile(join(dir, owner.file), variant.bytes);
  return {
    owner: owner.owner,
    id: owner.id,
    file: owner.file,
    size: variant.sizeId,
    width: variant.width,
    height: variant.height,
    etag: quoteEtag(variant.etag),
  } satisfies ManifestEntry;
}

export async function exportPhotos(
  store: Pick<Store, 'directory' | 'groups' | 'photos'>,
  tenant: Tenant,
  dir: string,
  options: ExportOptions = {},
): Promise<ExportReport> {
  await mkdir(dir, { recursive: true });
  const all = await owners(store, tenant);
  const entries: ManifestEntry[] = [];
  for (const [index, owner] of all.entries()) {
    const entry = await exportOne(store.photos, tenant, dir, owner, options.size);
    if (entry) entries.push(entry);
    options.onOwner?.(index + 1, all.length);
  }
  const manifest: Manifest = {
    tenant: { id: tenant.id, name: tenant.name },
    exportedAt: new Date().toISOString(),
    size: options.size ? sizeId(options.size) : 'largest',
    photos: entries,
  };
  // Written last and renamed into place: a manifest present means the export is complete.
  const path = join(dir, 'manifest.json');
  await writeFile(`${path}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(`${path}.tmp`, path);
  return { exported: entries.length, directory: dir, manifest: path };
}
