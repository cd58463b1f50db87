// s3rver (the S3 API in Node, as the tests run it: test/support/object-stores.ts) in a process of
// its own, so that it does not share an event loop with the benchmark's load generator or client.
// Makes `buckets` empty buckets, prints one line of JSON with their `--blob-store` URLs and the
// environment that reaches them, and serves until SIGTERM.
import { startS3 } from '../../test/support/object-stores.js';

// The AWS SDK (which makes the buckets) warns on Node 20 about its later releases, as
// src/store/objects/s3-objects.ts says; here that would only clutter the benchmark's output.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
const buckets = Number(process.argv[2] ?? '1');
const service = await startS3();
const stores: string[] = [];
for (let i = 0; i < buckets; i++) stores.push(await service.newBlobStore());
process.stdout.write(`${JSON.stringify({ stores, env: service.env })}\n`);
// startS3 unreferences its server (so a test process can end): this holds the process open.
const open = setInterval(() => {}, 1 << 30);
process.once('SIGTERM', () => {
  clearInterval(open);
  void service.stop().finally(() => process.exit(0));
});
