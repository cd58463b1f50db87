// Objects in an S3-compatible bucket (`s3://BUCKET[/PREFIX]?…`, SPEC §14), through the official
// AWS SDK. Credentials come from the SDK's usual sources (AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY, AWS_PROFILE, an instance role); the region from `?region=`, AWS_REGION,
// or us-east-1. Checksums are sent and checked only when an operation requires them: S3-compatible
// servers (MinIO, Ceph, s3rver) do not all speak the SDK's newer default ones.
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { ObjectPage, ObjectStore } from './object-store.js';

export interface S3Location {
  bucket: string;
  region?: string;
  endpoint?: string;
  forcePathStyle: boolean;
}

const notFound = (error: unknown) =>
  error instanceof S3ServiceException &&
  (error.name === 'NoSuchKey' || error.$metadata.httpStatusCode === 404);

export class S3Objects implements ObjectStore {
  private readonly client: S3Client;

  constructor(
    readonly name: string,
    private readonly location: S3Location,
  ) {
    // The SDK warns once per process on Node 20 that its releases after January 2027 need Node 22;
    // Portrait pins one that runs on 20 (README), so the warning would only alarm an operator.
    process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
    this.client = new S3Client({
      region:
        location.region ?? process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'] ?? 'us-east-1',
      ...(location.endpoint ? { endpoint: location.endpoint } : {}),
      forcePathStyle: location.forcePathStyle,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // The store's timeout bounds each call, retries included (object-store.ts).
      maxAttempts: 2,
    });
  }

  async put(name: string, bytes: Buffer, signal: AbortSignal): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.location.bucket,
        Key: name,
        Body: bytes,
        ContentType: 'image/jpeg',
      }),
      { abortSignal: signal },
    );
  }

  async get(name: string, signal: AbortSignal): Promise<Buffer | undefined> {
    try {
      const reply = await this.client.send(
        new GetObjectCommand({ Bucket: this.location.bucket, Key: name }),
        {
          abortSignal: signal,
        },
      );
      return reply.Body ? Buffer.from(await reply.Body.transformToByteArray()) : Buffer.alloc(0);
    } catch (error) {
      if (notFound(error)) return undefined;
      throw error;
    }
  }

  async delete(name: string, signal: AbortSignal): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: name }), {
      abortSignal: signal,
    });
  }

  async list(prefix: string, after: string | undefined, signal: AbortSignal): Promise<ObjectPage> {
    const reply = await this.client.send(
      new ListObjectsV2Command({
        Bucket: this.location.bucket,
        Prefix: prefix,
        ...(after ? { ContinuationToken: after } : {}),
      }),
      { abortSignal: signal },
    );
    return {
      objects: (reply.Contents ?? []).map((object) => ({
        name: object.Key ?? '',
        size: object.Size ?? 0,
        lastModified: object.LastModified?.getTime() ?? 0,
      })),
      ...(reply.IsTruncated && reply.NextContinuationToken ? { next: reply.NextContinuationToken } : {}),
    };
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
