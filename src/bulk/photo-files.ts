// The files a bulk import reads, from a folder or a ZIP archive (yauzl), each read only when its
// turn comes so that memory holds no more files than the import works on at once.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import yauzl, { type Entry, type ZipFile } from 'yauzl';

/** SPEC §1: the extensions `photos import` takes; the bytes still decide the format. */
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.gif', '.avif', '.tif', '.tiff'];

export interface PhotoFile {
  /** The file's own name, without any folder. */
  name: string;
  /** Bytes, as the folder or the archive's directory states them (checked again while reading). */
  size: number;
  read(): Promise<Buffer>;
}

export interface PhotoFiles {
  /** Image files, by name. */
  files: PhotoFile[];
  /** Other files (a manifest.json, a README), which are not photos. */
  ignored: string[];
  close(): Promise<void>;
}

/** The path is neither a folder nor a ZIP archive: a mistake in how the import was called. */
export class NotAnArchiveError extends Error {}

/** The owner a file names: its name without the extension (`adele@contoso.com.jpg` → `adele@contoso.com`). */
export const fileStem = (name: string) => name.slice(0, name.length - extname(name).length);

const isImageName = (name: string) => IMAGE_EXTENSIONS.includes(extname(name).toLowerCase());

function sorted(files: PhotoFile[], ignored: string[], close: () => Promise<void>): PhotoFiles {
  files.sort((a, b) => a.name.localeCompare(b.name));
  return { files, ignored: ignored.sort(), close };
}

async function folderFiles(dir: string): Promise<PhotoFiles> {
  const files: PhotoFile[] = [];
  const ignored: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    // Hidden files (.DS_Store) and folders are not part of a photo set.
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    const info = await stat(path);
    if (!info.isFile()) continue;
    if (!isImageName(entry.name)) ignored.push(entry.name);
    else files.push({ name: entry.name, size: info.size, read: () => readFile(path) });
  }
  return sorted(files, ignored, async () => {});
}

const openZip = (path: string) =>
  new Promise<ZipFile>((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, autoClose: false }, (error, zip) =>
      error ? reject(error) : resolve(zip),
    ),
  );

function zipEntries(zip: ZipFile): Promise<Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: Entry[] = [];
    zip.on('entry', (entry: Entry) => {
      entries.push(entry);
      zip.readEntry();
    });
    zip.once('end', () => resolve(entries));
    zip.once('error', reject);
    zip.readEntry();
  });
}

/** An entry's bytes; yauzl checks them against the sizes the archive declares (no zip bombs). */
function readEntry(zip: ZipFile, entry: Entry): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    zip.openReadStream(entry, (error, stream) => {
      if (error) return reject(error);
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.once('end', () => resolve(Buffer.concat(chunks)));
      stream.once('error', reject);
    }),
  );
}

async function archiveFiles(path: string): Promise<PhotoFiles> {
  let zip: ZipFile;
  try {
    zip = await openZip(path);
  } catch (error) {
    throw new NotAnArchiveError(
      `'${path}' is neither a folder nor a readable ZIP archive (${(error as Error).message})`,
    );
  }
  const files: PhotoFile[] = [];
  const ignored: string[] = [];
  for (const entry of await zipEntries(zip)) {
    // Folders inside the archive only group files; macOS adds resource forks under __MACOSX/.
    if (entry.fileName.endsWith('/') || entry.fileName.startsWith('__MACOSX/')) continue;
    const name = basename(entry.fileName);
    if (name.startsWith('.')) continue;
    if (!isImageName(name)) ignored.push(name);
    else files.push({ name, size: entry.uncompressedSize, read: () => readEntry(zip, entry) });
  }
  return sorted(files, ignored, async () => zip.close());
}

/** A folder of photos, or a ZIP archive of them. */
export async function openPhotoFiles(path: string): Promise<PhotoFiles> {
  const info = await stat(path);
  if (info.isDirectory()) return folderFiles(path);
  return archiveFiles(path);
}
