// Objects as files in a folder (`file:DIR`, SPEC §14): local disk or a mounted share (NFS, SMB).
// A put writes a temporary file beside the object, flushes it and renames it over the name, so a
// reader (or a crash) sees the old object, none, or the new one whole; temporary files a crash left
// behind end in `.tmp` and are collected with the rest.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import type { ObjectPage, ObjectStore } from './object-store.js';

/** A file a put had not finished: `<object>.<random>.tmp`. */
export const TEMPORARY = /\.[0-9a-f]{16}\.tmp$/;

const code = (error: unknown) => (error as NodeJS.ErrnoException).code;

export class FileObjects implements ObjectStore {
  constructor(
    readonly name: string,
    private readonly dir: string,
  ) {}

  private path(name: string): string {
    return join(this.dir, ...name.split('/'));
  }

  async put(name: string, bytes: Buffer): Promise<void> {
    const path = this.path(name);
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${randomBytes(8).toString('hex')}.tmp`;
    const file = await open(temporary, 'w');
    try {
      await file.writeFile(bytes);
      await file.datasync();
    } finally {
      await file.close();
    }
    try {
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  async get(name: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.path(name));
    } catch (error) {
      if (code(error) === 'ENOENT') return undefined;
      throw error;
    }
  }

  async delete(name: string): Promise<void> {
    await rm(this.path(name), { force: true });
  }

  /**
   * The files under the prefix's folder, one entry of it (a shard folder `ab/`, or a file) per page,
   * in name order: a page stays small however many photos there are.
   */
  async list(prefix: string, after: string | undefined): Promise<ObjectPage> {
    const root = this.path(prefix.replace(/\/+$/, ''));
    let top: string[];
    try {
      top = (await readdir(root)).sort();
    } catch (error) {
      if (code(error) === 'ENOENT') return { objects: [] };
      throw error;
    }
    const at = after === undefined ? 0 : top.findIndex((entry) => entry > after);
    if (at < 0 || at >= top.length) return { objects: [] };
    const entry = top[at]!;
    const inside = await readdir(join(root, entry), { recursive: true }).catch((error: unknown) => {
      if (code(error) === 'ENOTDIR') return undefined;
      throw error;
    });
    const relative = inside === undefined ? [entry] : inside.sort().map((name) => join(entry, name));
    const objects = [];
    for (const name of relative) {
      const info = await stat(join(root, name)).catch(() => undefined);
      if (!info?.isFile()) continue;
      objects.push({
        name: `${prefix}${name.split(sep).join('/')}`,
        size: info.size,
        lastModified: info.mtimeMs,
      });
    }
    return { objects, ...(at + 1 < top.length ? { next: entry } : {}) };
  }

  async close(): Promise<void> {}
}
