// `portrait serve`: runs the server until SIGINT/SIGTERM.
import { Command } from 'commander';
import { addOptions, SERVE_OPTIONS, serveConfig } from '../config.js';
import { startServer } from '../server.js';
import { isWorker, runPrimary, runWorker } from './cluster.js';
import { type Options, readFixtures } from './cli-support.js';

export function serveCommand(): Command {
  return addOptions(new Command('serve').description('Serve the Graph photo API'), SERVE_OPTIONS)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  portrait serve                       # https://localhost:8443, data in ./data\n' +
        '  portrait serve --port 9443 --data /var/lib/portrait\n' +
        '  portrait serve --http --host 0.0.0.0 --base-url https://photos.example.com   # behind a TLS proxy\n' +
        '  portrait serve --workers auto        # one worker process per core\n' +
        '  portrait serve --database memory --fixtures fixtures.json --port 0   # for a test run',
    )
    .action(async (opts: Options) => {
      const config = serveConfig(opts);
      if (isWorker()) return runWorker(config);
      if (opts['fixtures']) config.fixtures = await readFixtures(String(opts['fixtures']));
      if (config.workers > 1) return runPrimary(config, (line) => process.stdout.write(`${line}\n`));
      const server = await startServer(config);
      process.stdout.write(`portrait listening on ${server.url}\n`);
      if (server.caPath) process.stdout.write(`clients trust the development CA at ${server.caPath}\n`);
      else if (server.ca)
        process.stdout.write(`clients trust this development CA (kept in memory only):\n${server.ca}`);
      const stop = async () => {
        await server.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
