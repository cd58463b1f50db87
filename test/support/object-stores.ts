// Real object stores for the tests (SPEC §14), each on a free loopback port, started by the test
// and stopped after it: s3rver (the S3 API, in this process) and Microsoft's Azure Storage emulator
// azurite (its azurite-blob command as a child process: it cannot be imported as a library). A
// folder store needs nothing but a temporary directory.
//
// PORTRAIT_TEST_BLOBS=s3|azure|file runs the photo API and store contract suites with every test
// server's photo bytes there (scripts/test.mjs does, after the SQLite run).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import S3rver from 's3rver';

export type BlobKind = 's3' | 'azure' | 'file';

/** The blob store this run puts test servers' photo bytes in; undefined: the database. */
export const testBlobKind = process.env['PORTRAIT_TEST_BLOBS'] as BlobKind | undefined;

/** s3rver's fixed credentials, which the AWS SDK reads from the environment. */
export const S3_ENV = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };

/** azurite's well-known development account (published in Microsoft's documentation). */
const AZURITE_ACCOUNT = 'devstoreaccount1';
const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface ObjectService {
  kind: BlobKind;
  /** A fresh, empty place for one store's objects, as a `--blob-store` URL. */
  newBlobStore(): Promise<string>;
  /** What a process needs in its environment to reach the service. */
  env: Record<string, string>;
  /** Stops answering (as an outage would), until `resume`. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
}

const unique = () => randomBytes(5).toString('hex');

export async function startS3(): Promise<ObjectService> {
  const directory = mkdtempSync(join(tmpdir(), 'portrait-s3rver-'));
  const options = { port: 0, address: '127.0.0.1', silent: true, directory };
  // Unreferenced, so a test process ends when its tests do (the service stops on its way out).
  const run = async (server: S3rver) => {
    const address = await server.run();
    server.httpServer?.unref();
    return address;
  };
  let server = new S3rver(options);
  const { port } = await run(server);
  Object.assign(process.env, S3_ENV);
  const endpoint = `http://127.0.0.1:${port}`;
  let buckets = 0;
  return {
    kind: 's3',
    env: S3_ENV,
    async newBlobStore() {
      const bucket = `photos-${unique()}-${++buckets}`;
      const { S3Client, CreateBucketCommand } = await import('@aws-sdk/client-s3');
      const client = new S3Client({
        region: 'us-east-1',
        endpoint,
        forcePathStyle: true,
        credentials: {
          accessKeyId: S3_ENV.AWS_ACCESS_KEY_ID,
          secretAccessKey: S3_ENV.AWS_SECRET_ACCESS_KEY,
        },
      });
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      client.destroy();
      return `s3://${bucket}/portrait?endpoint=${endpoint}&force-path-style=true`;
    },
    pause: async () => {
      await server.close();
    },
    resume: async () => {
      server = new S3rver({ ...options, port });
      await run(server);
    },
    stop: async () => {
      await server.close().catch(() => {});
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Starts azurite-blob on a free port and resolves once it listens. */
function runAzurite(port: number): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    [
      createRequire(import.meta.url).resolve('azurite/dist/src/blob/main.js'),
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(port),
      '--inMemoryPersistence',
      '--disableTelemetry',
      '--skipApiVersionCheck',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // Not left behind when this test process ends, however it ends.
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', () => process.removeListener('exit', kill));
  return new Promise((resolve, reject) => {
    let said = '';
    const timer = setTimeout(() => reject(new Error(`azurite-blob did not start: ${said}`)), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      said += chunk.toString();
      const match = /listens on http:\/\/127\.0\.0\.1:(\d+)/.exec(said);
      if (match) {
        clearTimeout(timer);
        // Unreferenced, so a test process ends when its tests do ('exit' above stops azurite).
        child.unref();
        (child.stdout as unknown as { unref(): void }).unref();
        (child.stderr as unknown as { unref(): void }).unref();
        resolve({ child, port: Number(match[1]) });
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      said += chunk.toString();
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`azurite-blob exited (${code}): ${said}`));
    });
  });
}

const stopChild = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    // An unreferenced child does not hold the event loop open while its exit is awaited: this does.
    const hold = setInterval(() => {}, 1000);
    child.once('exit', () => {
      clearInterval(hold);
      resolve();
    });
    child.kill('SIGKILL');
  });

export async function startAzurite(): Promise<ObjectService> {
  let { child, port } = await runAzurite(0);
  const connection = `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=http://127.0.0.1:${port}/${AZURITE_ACCOUNT};`;
  const env = { AZURE_STORAGE_CONNECTION_STRING: connection };
  Object.assign(process.env, env);
  let containers = 0;
  const containersMade: string[] = [];
  return {
    kind: 'azure',
    env,
    async newBlobStore() {
      const container = `photos-${unique()}-${++containers}`;
      await BlobServiceClient.fromConnectionString(connection).getContainerClient(container).create();
      containersMade.push(container);
      return `azure://${container}/portrait`;
    },
    // In memory: a paused azurite comes back empty, so pausing stops the process and the
    // containers are made again (their objects are gone, as after a real outage that lost data).
    pause: () => stopChild(child),
    resume: async () => {
      ({ child } = await runAzurite(port));
      const service = BlobServiceClient.fromConnectionString(connection);
      for (const container of containersMade) await service.getContainerClient(container).createIfNotExists();
    },
    stop: () => stopChild(child),
  };
}

export async function startFolder(): Promise<ObjectService> {
  const root = mkdtempSync(join(tmpdir(), 'portrait-blobs-'));
  let folders = 0;
  return {
    kind: 'file',
    env: {},
    async newBlobStore() {
      const dir = join(root, `store-${++folders}`);
      const { mkdirSync } = await import('node:fs');
      mkdirSync(dir);
      return `file:${dir}`;
    },
    pause: async () => {
      throw new Error('a folder store cannot be paused');
    },
    resume: async () => {},
    stop: async () => rmSync(root, { recursive: true, force: true }),
  };
}

export function startObjectService(kind: BlobKind): Promise<ObjectService> {
  return kind === 's3' ? startS3() : kind === 'azure' ? startAzurite() : startFolder();
}

let shared: Promise<ObjectService> | undefined;

/**
 * The service this test process's servers use under PORTRAIT_TEST_BLOBS, started on first use and
 * stopped when the process ends (the test runner runs each file in a process of its own).
 */
export function sharedObjectService(kind: BlobKind): Promise<ObjectService> {
  if (!shared) {
    shared = startObjectService(kind);
    void shared.then((service) => {
      process.once('beforeExit', () => void service.stop());
    });
  }
  return shared;
}
