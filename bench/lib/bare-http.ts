// The bare node:http reference: the same photo bytes with the headers Portrait sends (ETag,
// Cache-Control, request-id, client-request-id), and nothing else — no token, no look-ups, no log
// line. One process per worker (node:cluster), as Portrait's --workers.
//   node bench/lib/bare-http.ts FILE PORT WORKERS   (run through tsx)
import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [file, port, workers] = process.argv.slice(2) as [string, string, string];

if (cluster.isPrimary && Number(workers) > 1) {
  for (let i = 0; i < Number(workers); i++) cluster.fork();
} else {
  const bytes = readFileSync(file);
  createServer((_request, response) => {
    const id = randomUUID();
    response.writeHead(200, {
      'request-id': id,
      'client-request-id': id,
      etag: '"87B90F16"',
      'cache-control': 'private, max-age=300',
      'content-type': 'image/jpeg',
      'content-length': bytes.length,
    });
    response.end(bytes);
  }).listen(Number(port), '127.0.0.1', () => process.stdout.write('listening\n'));
}
