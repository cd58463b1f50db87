// Opens the photo bytes port a `--blob-store` URL names (SPEC §14), and the start-up check that it
// can be used: write, read back and delete one object, refused with one line that names the store
// and the reason (no such bucket or container, credentials refused, a folder that is not there).
import { stat } from 'node:fs/promises';
import { S3ServiceException } from '@aws-sdk/client-s3';
import { RestError } from '@azure/storage-blob';
import { messageOf } from '../../errors.js';
import type { PhotoBytes } from '../photo-bytes.js';
import type { SqlBackend } from '../sql/schema.js';
import { SqlPhotoBytes } from '../sql/sql-photo-bytes.js';
import { AzureObjects } from './azure-objects.js';
import { blobStoreName, DATABASE_BLOBS, parseBlobStore, prefixOf } from './blob-store-url.js';
import { FileObjects } from './file-objects.js';
import { ObjectPhotoBytes } from './object-photo-bytes.js';
import { BlobStoreSetupError, BlobStoreUnavailableError, timed } from './object-store.js';
import { S3Objects } from './s3-objects.js';

export function openPhotoBytes(backend: SqlBackend, url = DATABASE_BLOBS, timeoutMs: number): PhotoBytes {
  const spec = parseBlobStore(url);
  const name = blobStoreName(spec);
  switch (spec.kind) {
    case 'database':
      return new SqlPhotoBytes(backend);
    case 's3':
      return new ObjectPhotoBytes(backend, timed(new S3Objects(name, spec), timeoutMs), prefixOf(spec));
    case 'azure':
      return new ObjectPhotoBytes(
        backend,
        timed(new AzureObjects(name, spec.container, spec.endpoint), timeoutMs),
        prefixOf(spec),
      );
    case 'file':
      return new ObjectPhotoBytes(backend, timed(new FileObjects(name, spec.dir), timeoutMs), '');
  }
}

/** What a provider's refusal means, in words an operator acts on. */
function reasonOf(error: unknown): string {
  const cause = error instanceof BlobStoreUnavailableError && error.cause ? error.cause : error;
  if (cause instanceof S3ServiceException) {
    if (cause.name === 'NoSuchBucket') return 'the bucket does not exist (Portrait does not create it)';
    if (['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'Forbidden'].includes(cause.name))
      return `the credentials were refused (${cause.name}); set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`;
  }
  if (cause instanceof RestError) {
    if (cause.code === 'ContainerNotFound')
      return 'the container does not exist (Portrait does not create it)';
    if (cause.statusCode === 403)
      return `the credentials were refused (${cause.code ?? 403}); check AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY`;
  }
  // The timeout's own words, without naming the store a second time.
  return messageOf(error).replace(/^the blob store \S+ /, 'it ');
}

/** Proves the store usable, or throws one line naming it and why not (SPEC §14: serve's start). */
export async function probeBlobStore(bytes: PhotoBytes, url = DATABASE_BLOBS): Promise<void> {
  if (!bytes.probe) return;
  const spec = parseBlobStore(url);
  if (spec.kind === 'file') {
    const info = await stat(spec.dir).catch(() => undefined);
    if (!info?.isDirectory())
      throw new BlobStoreSetupError(
        `the blob store ${bytes.name} cannot be used: the folder does not exist (Portrait does not create it)`,
      );
  }
  try {
    await bytes.probe();
  } catch (error) {
    throw new BlobStoreSetupError(`the blob store ${bytes.name} cannot be used: ${reasonOf(error)}`, {
      cause: error,
    });
  }
}
