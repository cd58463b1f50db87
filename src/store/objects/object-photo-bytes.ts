// Photo bytes as objects in a bucket, container or folder (SPEC §14): `<prefix>sha256/ab/<key>.jpg`,
// one object per distinct stored size. The SQL store keeps a row per object it put (blob_objects),
// which is how an upload and the collector stay out of each other's way on a store that has no
// conditional delete:
//
// - An upload first claims each key in SQL (`stored_at` = now), then writes the object; only then
//   does the photo's metadata name it. A claimed key is not collected until the grace time passes.
// - The collector marks the keys it condemns (`deleting` = now, only where still unclaimed since
//   the cutoff and unmarked), deletes their objects, then deletes the marked rows.
// - An upload whose claim finds a mark waits for the row to go before writing, so its object can
//   never be deleted under it. A mark older than MARK_LEASE_MS belongs to a collector that died: an
//   upload may clear it, and the next collector finishes the delete.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PhotoBlob, PhotoBytes, StoredKey } from '../photo-bytes.js';
import type { SqlBackend } from '../sql/schema.js';
import { TEMPORARY } from './file-objects.js';
import type { ObjectInfo, TimedObjectStore } from './object-store.js';

/** How long a collector's mark holds: far longer than deleting one page of objects may take. */
export const MARK_LEASE_MS = 60_000;

/** Keys marked at once: with DELETE_AT_ONCE deletes each bounded by the timeout, a page ends well inside the lease. */
const MARK_PAGE = 64;
const DELETE_AT_ONCE = 8;

/** How often a waiting upload looks whether the collector is done. */
const WAIT_STEP_MS = 25;

export class ObjectPhotoBytes implements PhotoBytes {
  constructor(
    private readonly backend: SqlBackend,
    private readonly objects: TimedObjectStore,
    /** '' or `PREFIX/` */
    private readonly prefix: string,
  ) {}

  get name(): string {
    return this.objects.name;
  }

  /** The object a key's bytes are kept in. */
  objectName(key: string): string {
    return `${this.prefix}sha256/${key.slice(0, 2)}/${key}.jpg`;
  }

  /** The key an object holds, if it is one of ours (and not a temporary file). */
  private keyOf(name: string): string | undefined {
    const match = /^sha256\/[0-9a-f]{2}\/([0-9a-f]{64})\.jpg$/.exec(name.slice(this.prefix.length));
    return match?.[1];
  }

  async put(blobs: readonly PhotoBlob[]): Promise<void> {
    const unique = [...new Map(blobs.map((b) => [b.key, b])).values()];
    if (unique.length === 0) return;
    await this.claim(unique);
    await Promise.all(unique.map((b) => this.objects.put(this.objectName(b.key), b.bytes)));
  }

  /** Claims the keys in SQL, waiting out any collector deleting one of them (see the top). */
  private async claim(blobs: readonly PhotoBlob[]): Promise<void> {
    let pending = blobs;
    for (;;) {
      const now = Date.now();
      const rows = await this.backend.db
        .insertInto('blob_objects')
        .values(
          pending.map((b) => ({ key: b.key, byte_length: b.bytes.length, stored_at: now, deleting: null })),
        )
        .onConflict((oc) => oc.column('key').doUpdateSet({ stored_at: now }))
        .returning(['key', 'deleting'])
        .execute();
      const marked = rows.filter((row) => row.deleting !== null);
      if (marked.length === 0) return;
      // A dead collector's mark is cleared; a live one is waited for.
      for (const row of marked) {
        if (now - Number(row.deleting) > MARK_LEASE_MS)
          await this.backend.db
            .updateTable('blob_objects')
            .set({ deleting: null })
            .where('key', '=', row.key)
            .where('deleting', '=', row.deleting)
            .execute();
      }
      await sleep(WAIT_STEP_MS);
      const keys = new Set(marked.map((row) => row.key));
      pending = blobs.filter((b) => keys.has(b.key));
    }
  }

  get(key: string): Promise<Buffer | undefined> {
    return this.objects.get(this.objectName(key));
  }

  async putBefore(cutoff: number, limit: number, after?: string): Promise<string[]> {
    let query = this.backend.db
      .selectFrom('blob_objects')
      .select('key')
      .where('stored_at', '<', cutoff)
      .where('deleting', 'is', null)
      .orderBy('key')
      .limit(limit);
    if (after !== undefined) query = query.where('key', '>', after);
    return (await query.execute()).map((row) => row.key);
  }

  async delete(keys: readonly string[], cutoff: number): Promise<number> {
    let deleted = 0;
    for (let at = 0; at < keys.length; at += MARK_PAGE) {
      const mark = Date.now();
      const marked = await this.backend.db
        .updateTable('blob_objects')
        .set({ deleting: mark })
        .where('key', 'in', keys.slice(at, at + MARK_PAGE))
        .where('stored_at', '<', cutoff)
        .where('deleting', 'is', null)
        .returning('key')
        .execute();
      deleted += await this.deleteMarked(
        marked.map((row) => row.key),
        mark,
      );
    }
    return deleted;
  }

  /** Deletes the objects of keys marked at `mark`, then their rows; how many rows went. */
  private async deleteMarked(keys: readonly string[], mark: number): Promise<number> {
    let done = 0;
    // Past half the lease, an upload may soon take the mark for a dead collector's: stop there and
    // leave the rest marked, for the next collector to finish.
    while (done < keys.length && Date.now() - mark < MARK_LEASE_MS / 2) {
      const batch = keys.slice(done, done + DELETE_AT_ONCE);
      await Promise.all(batch.map((key) => this.objects.delete(this.objectName(key))));
      done += batch.length;
    }
    if (done === 0) return 0;
    const result = await this.backend.db
      .deleteFrom('blob_objects')
      .where('key', 'in', keys.slice(0, done))
      .where('deleting', '=', mark)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async *list(): AsyncIterable<StoredKey[]> {
    for await (const page of this.objects.list(`${this.prefix}sha256/`)) {
      const keys: StoredKey[] = [];
      for (const object of page) {
        const key = this.keyOf(object.name);
        if (key) keys.push({ key, storedAt: object.lastModified });
      }
      if (keys.length > 0) yield keys;
    }
  }

  /**
   * What the key-by-key collection cannot see: deletes a dead collector left marked, objects no row
   * names (a copy or a put cut off before its claim was kept) and temporary files of a folder store,
   * all older than `cutoff` and named by no photo. Returns how many objects were deleted.
   */
  async sweep(cutoff: number, named: (keys: readonly string[]) => Promise<Set<string>>): Promise<number> {
    let deleted = await this.finishAbandoned();
    for await (const page of this.objects.list(`${this.prefix}sha256/`)) {
      const old = page.filter((object) => object.lastModified < cutoff);
      for (const object of old) {
        if (TEMPORARY.test(object.name)) {
          await this.objects.delete(object.name);
          deleted++;
        }
      }
      deleted += await this.collectRowless(old, named);
    }
    return deleted;
  }

  /** Takes over the marks of collectors that died, with a new mark, and finishes their deletes. */
  private async finishAbandoned(): Promise<number> {
    let deleted = 0;
    for (;;) {
      const mark = Date.now();
      const abandoned = await this.backend.db
        .updateTable('blob_objects')
        .set({ deleting: mark })
        .where('deleting', '<', mark - MARK_LEASE_MS)
        .where('key', 'in', (qb) =>
          qb
            .selectFrom('blob_objects')
            .select('key')
            .where('deleting', '<', mark - MARK_LEASE_MS)
            .limit(MARK_PAGE),
        )
        .returning('key')
        .execute();
      if (abandoned.length === 0) return deleted;
      deleted += await this.deleteMarked(
        abandoned.map((row) => row.key),
        mark,
      );
    }
  }

  /**
   * Of these objects, those no row names: a named one is adopted (a row is made); the others get a
   * marked row (only where no upload claimed the key meanwhile) and go as a collector's delete does.
   */
  private async collectRowless(
    objects: readonly ObjectInfo[],
    named: (keys: readonly string[]) => Promise<Set<string>>,
  ): Promise<number> {
    const keyed = objects.flatMap((object) => {
      const key = this.keyOf(object.name);
      return key ? [{ key, size: object.size }] : [];
    });
    if (keyed.length === 0) return 0;
    const rows = await this.backend.db
      .selectFrom('blob_objects')
      .select('key')
      .where(
        'key',
        'in',
        keyed.map((k) => k.key),
      )
      .execute();
    const hasRow = new Set(rows.map((row) => row.key));
    const rowless = keyed.filter((k) => !hasRow.has(k.key));
    if (rowless.length === 0) return 0;
    const kept = await named(rowless.map((k) => k.key));
    const adopt = rowless.filter((k) => kept.has(k.key));
    if (adopt.length > 0) {
      const now = Date.now();
      await this.backend.db
        .insertInto('blob_objects')
        .values(adopt.map((k) => ({ key: k.key, byte_length: k.size, stored_at: now, deleting: null })))
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
    }
    const condemned = rowless.filter((k) => !kept.has(k.key));
    let deleted = 0;
    for (let at = 0; at < condemned.length; at += MARK_PAGE) {
      const mark = Date.now();
      const inserted = await this.backend.db
        .insertInto('blob_objects')
        .values(
          condemned
            .slice(at, at + MARK_PAGE)
            .map((k) => ({ key: k.key, byte_length: k.size, stored_at: 0, deleting: mark })),
        )
        .onConflict((oc) => oc.column('key').doNothing())
        .returning('key')
        .execute();
      deleted += await this.deleteMarked(
        inserted.map((row) => row.key),
        mark,
      );
    }
    return deleted;
  }

  /** Reads an object that is not there: the store answers, and the credentials still hold. */
  async ping(): Promise<void> {
    await this.objects.get(`${this.prefix}probe/readiness`);
  }

  /** Writes, reads back and deletes one object, to prove the store usable (serve's start). */
  async probe(): Promise<void> {
    const name = `${this.prefix}probe/${randomBytes(12).toString('hex')}`;
    const bytes = randomBytes(32);
    await this.objects.put(name, bytes);
    const back = await this.objects.get(name);
    await this.objects.delete(name);
    if (!back?.equals(bytes)) throw new Error(`an object written to ${this.name} read back different`);
  }

  close(): Promise<void> {
    return this.objects.close();
  }
}
