// `portrait photos import`: a folder or ZIP of photos into a tenant (SPEC §1). Each file goes
// through the upload pipeline and limits of SPEC §4, a few at a time (bounded concurrency, so
// memory holds only the files in work), and a file whose SHA-256 is what its owner's photo was
// made from is skipped: re-running an import only does what changed. A file that cannot be
// imported is reported with its reason; the others go on.
import pLimit from 'p-limit';
import {
  MAX_PHOTO_BYTES,
  type PhotoServiceDeps,
  replacePhoto,
  sourceHash,
} from '../services/photo-service.js';
import type { Tenant } from '../domain/tenant.js';
import type { Store } from '../store/store.js';
import { fileStem, type PhotoFile, type PhotoFiles } from './photo-files.js';
import { findPhotoOwner, type PhotoOwner } from './photo-owners.js';
import { messageOf } from '../errors.js';

export interface ImportOptions {
  /** Files processed at once. */
  concurrency: number;
  /** `file → owner` from a map file; other files are named after their owner. */
  map?: Map<string, string>;
  /** Called after each file, with the number done and the number in all. */
  onFile?: (done: number, total: number) => void;
}

export interface FileFailure {
  file: string;
  error: string;
}

/** SPEC §1's `--json` shape: `imported`, `skipped` (unchanged), `failed`, `failures`; and what was not a photo. */
export interface ImportReport {
  imported: number;
  skipped: number;
  failed: number;
  failures: FileFailure[];
  ignored: string[];
}

interface Job {
  file: PhotoFile;
  owner: PhotoOwner;
}

/** Each file's owner, with a failure for every file that has none or whose owner another file already took. */
async function planJobs(
  store: Pick<Store, 'directory' | 'groups'>,
  tenant: Tenant,
  source: PhotoFiles,
  map: Map<string, string>,
  failures: FileFailure[],
): Promise<Job[]> {
  const jobs: Job[] = [];
  const taken = new Map<string, string>();
  for (const file of source.files) {
    try {
      const owner = await findPhotoOwner(store, tenant, map.get(file.name) ?? fileStem(file.name));
      const first = taken.get(owner.id);
      if (first) throw new Error(`${owner.label} already gets its photo from ${first}`);
      taken.set(owner.id, file.name);
      jobs.push({ file, owner });
    } catch (error) {
      failures.push({ file: file.name, error: messageOf(error) });
    }
  }
  const present = new Set(source.files.map((f) => f.name));
  for (const name of map.keys()) {
    if (!present.has(name)) failures.push({ file: name, error: 'named in the map file, but not found' });
  }
  return jobs;
}

async function importOne(
  photos: PhotoServiceDeps,
  tenant: Tenant,
  job: Job,
): Promise<'imported' | 'skipped'> {
  if (job.file.size > MAX_PHOTO_BYTES) {
    throw new Error(`the file is ${job.file.size} bytes; a photo is at most ${MAX_PHOTO_BYTES} (4 MiB)`);
  }
  const bytes = await job.file.read();
  const sourceSha256 = sourceHash(bytes);
  const current = await photos.photos.readPhotoSet(tenant.id, job.owner.id);
  if (current?.sourceSha256 === sourceSha256) return 'skipped';
  await replacePhoto(photos, { tenantId: tenant.id, photoOwnerId: job.owner.id }, bytes, { sourceSha256 });
  return 'imported';
}

export async function importPhotos(
  store: Pick<Store, 'directory' | 'groups'>,
  photos: PhotoServiceDeps,
  tenant: Tenant,
  source: PhotoFiles,
  options: ImportOptions,
): Promise<ImportReport> {
  const failures: FileFailure[] = [];
  const jobs = await planJobs(store, tenant, source, options.map ?? new Map(), failures);
  const counts = { imported: 0, skipped: 0 };
  const total = source.files.length;
  let done = total - jobs.length;
  options.onFile?.(done, total);
  const limit = pLimit(options.concurrency);
  await Promise.all(
    jobs.map((job) =>
      limit(async () => {
        try {
          counts[await importOne(photos, tenant, job)]++;
        } catch (error) {
          failures.push({ file: job.file.name, error: messageOf(error) });
        }
        options.onFile?.(++done, total);
      }),
    ),
  );
  failures.sort((a, b) => a.file.localeCompare(b.file));
  return { ...counts, failed: failures.length, failures, ignored: source.ignored };
}
