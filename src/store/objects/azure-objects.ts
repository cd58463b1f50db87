// Objects in an Azure Blob Storage container (`azure://CONTAINER[/PREFIX]?endpoint=URL`, SPEC
// §14), through the official client. Credentials: AZURE_STORAGE_CONNECTION_STRING (which may carry
// an account key or a SAS, and names the endpoint), or AZURE_STORAGE_ACCOUNT with
// AZURE_STORAGE_KEY (the variables the az CLI reads) and `?endpoint=` or the account's public one.
import {
  type BlobItem,
  BlobServiceClient,
  type ContainerClient,
  RestError,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { BlobStoreSetupError, type ObjectPage, type ObjectStore } from './object-store.js';

const PAGE = 1000;

/** The store's timeout bounds each call; the client's own retries happen inside it. */
const PIPELINE = { retryOptions: { maxTries: 2 } };

function serviceClient(endpoint: string | undefined): BlobServiceClient {
  const connection = process.env['AZURE_STORAGE_CONNECTION_STRING'];
  if (connection) return BlobServiceClient.fromConnectionString(connection, PIPELINE);
  const account = process.env['AZURE_STORAGE_ACCOUNT'];
  const key = process.env['AZURE_STORAGE_KEY'];
  if (!account || !key)
    throw new BlobStoreSetupError(
      'azure:// needs credentials: set AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY',
    );
  return new BlobServiceClient(
    endpoint ?? `https://${account}.blob.core.windows.net`,
    new StorageSharedKeyCredential(account, key),
    PIPELINE,
  );
}

const notFound = (error: unknown) => error instanceof RestError && error.statusCode === 404;

export class AzureObjects implements ObjectStore {
  private readonly container: ContainerClient;

  constructor(
    readonly name: string,
    container: string,
    endpoint: string | undefined,
  ) {
    this.container = serviceClient(endpoint).getContainerClient(container);
  }

  async put(name: string, bytes: Buffer, signal: AbortSignal): Promise<void> {
    await this.container.getBlockBlobClient(name).uploadData(bytes, {
      abortSignal: signal,
      blobHTTPHeaders: { blobContentType: 'image/jpeg' },
    });
  }

  async get(name: string, signal: AbortSignal): Promise<Buffer | undefined> {
    try {
      // One request (downloadToBuffer would ask for the properties first).
      const reply = await this.container.getBlobClient(name).download(0, undefined, { abortSignal: signal });
      const chunks: Buffer[] = [];
      for await (const chunk of reply.readableStreamBody ?? []) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    } catch (error) {
      if (notFound(error)) return undefined;
      throw error;
    }
  }

  async delete(name: string, signal: AbortSignal): Promise<void> {
    await this.container.getBlobClient(name).deleteIfExists({ abortSignal: signal });
  }

  async list(prefix: string, after: string | undefined, signal: AbortSignal): Promise<ObjectPage> {
    const pages = this.container
      .listBlobsFlat({ prefix, abortSignal: signal })
      .byPage({ maxPageSize: PAGE, ...(after ? { continuationToken: after } : {}) });
    const { value } = await pages.next();
    const segment: BlobItem[] = value?.segment.blobItems ?? [];
    return {
      objects: segment.map((item) => ({
        name: item.name,
        size: item.properties.contentLength ?? 0,
        lastModified: item.properties.lastModified.getTime(),
      })),
      ...(value?.continuationToken ? { next: value.continuationToken } : {}),
    };
  }

  async close(): Promise<void> {}
}
