// `portrait serve --workers N`: one primary prepares the installation, then N worker processes
// each run a server on the shared port (node:cluster), so one `serve` uses every core. A worker
// that dies is replaced. Caches and throttling counters are per worker; the read cache still sees
// other workers' writes within a millisecond (store/read-cache.ts).
import cluster, { type Worker } from 'node:cluster';
import { createLogger } from '../logger.js';
import type { ServeConfig } from '../config.js';
import { prepareForWorkers, startServer } from '../server.js';

interface Ready {
  url: string;
  caPath?: string;
}

/** In a worker: serve, tell the primary where, stop on SIGTERM. */
export async function runWorker(config: ServeConfig): Promise<void> {
  const server = await startServer({ ...config, demo: false, fixtures: undefined });
  process.send?.({ url: server.url, ...(server.caPath ? { caPath: server.caPath } : {}) } satisfies Ready);
  process.once('SIGTERM', async () => {
    await server.close();
    process.exit(0);
  });
}

/** In the primary: prepare, fork, print the URL once every worker listens, keep them running. */
export async function runPrimary(config: ServeConfig, print: (line: string) => void): Promise<void> {
  const logger = createLogger(config.logLevel);
  await prepareForWorkers(config, logger);
  let stopping = false;
  let ready = 0;
  const fork = (): Worker => {
    const worker = cluster.fork();
    worker.on('message', (message: Ready) => {
      if (++ready === config.workers) {
        print(`portrait listening on ${message.url} (${config.workers} workers)`);
        if (message.caPath) print(`clients trust the development CA at ${message.caPath}`);
      }
    });
    return worker;
  };
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    logger.error({ pid: worker.process.pid, code, signal }, 'worker exited; starting another');
    fork();
  });
  for (let i = 0; i < config.workers; i++) fork();
  const stop = async () => {
    stopping = true;
    const exits = Object.values(cluster.workers ?? {}).map(
      (worker) =>
        new Promise<void>((resolve) =>
          worker!.isDead() ? resolve() : worker!.once('exit', () => resolve()),
        ),
    );
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    await Promise.all(exits);
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

export const isWorker = () => cluster.isWorker;
