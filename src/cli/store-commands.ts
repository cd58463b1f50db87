// `portrait migrate` and `portrait store copy` (SPEC §1, §8): the schema of a shared store, and a
// whole store moved between backends (SQLite → PostgreSQL and back).
import { Command } from 'commander';
import { addOptions, blobStoreArg, STORE_OPTIONS, storeConfig } from '../config.js';
import { openPhotoBytes } from '../store/objects/open-blob-store.js';
import { rememberedBlobStore } from '../store/objects/remembered-blob-store.js';
import { checkSchema, migrateBackend, openBackend } from '../store/open-store.js';
import type { PhotoBytes } from '../store/photo-bytes.js';
import type { SqlBackend } from '../store/sql/schema.js';
import { type CopyEnd, copyStore } from '../store/store-copy.js';
import { emit, type Options, progressBar, storeCommand, summaryTable } from './cli-support.js';

function migrateCommand(): Command {
  return storeCommand('migrate', 'Bring the schema of --database up to date (safe to run again)')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  portrait migrate --database postgres://portrait@db.internal:5432/portrait\n' +
        '  portrait migrate --data ./data      # the embedded SQLite store (it also migrates itself)',
    )
    .action(async (opts: Options) => {
      const backend = await openBackend(storeConfig(opts).databaseUrl);
      try {
        const applied = await migrateBackend(backend);
        emit(
          opts,
          { applied },
          applied.length === 0 ? 'the schema is up to date' : `applied ${applied.join(', ')}`,
        );
      } finally {
        await backend.close();
      }
    });
}

async function withBackend<T>(url: string, work: (backend: SqlBackend) => Promise<T>): Promise<T> {
  const backend = await openBackend(url);
  try {
    return await work(backend);
  } finally {
    await backend.close();
  }
}

async function withBytes<T>(
  backend: SqlBackend,
  url: string,
  timeoutMs: number,
  work: (bytes: PhotoBytes) => Promise<T>,
): Promise<T> {
  const bytes = openPhotoBytes(backend, url, timeoutMs);
  try {
    return await work(bytes);
  } finally {
    await bytes.close?.();
  }
}

/** `--blob-timeout` only: the stores are named by --from and --to. */
const BLOB_TIMEOUT = STORE_OPTIONS.filter((o) => o.flags.startsWith('--blob-timeout '));

function copyCommand(): Command {
  return addOptions(
    new Command('copy')
      .description('Copy a whole store into an empty one: same ids, byte-identical photos and ETags')
      .requiredOption('--from <url>', 'the store to copy: sqlite:PATH or postgres://…')
      .requiredOption('--to <url>', 'an empty store (its schema is created or brought up to date)')
      .option(
        '--from-blobs <url>',
        "where the source's photo bytes are (default: the blob store it was last used with)",
        blobStoreArg,
      )
      .option(
        '--to-blobs <url>',
        'where to put the photo bytes: database, s3://…, azure://… or file:DIR',
        blobStoreArg,
        'database',
      )
      .option('--json', 'print one JSON object'),
    BLOB_TIMEOUT,
  )
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  portrait store copy --from sqlite:./data/portrait.db --to postgres://portrait@db.internal:5432/portrait\n' +
        '  portrait store copy --from postgres://portrait@db.internal/portrait --to sqlite:./backup.db --json\n' +
        '  portrait store copy --from sqlite:./data/portrait.db --to postgres://portrait@db.internal/portrait \\\n' +
        "      --to-blobs 's3://photos/portrait?region=eu-west-1'",
    )
    .action((opts: Options) =>
      withBackend(String(opts['from']), (from) =>
        withBackend(String(opts['to']), async (to) => {
          // The source is read as it is (an older PostgreSQL schema must be migrated first).
          if (from.kind === 'sqlite') await migrateBackend(from);
          else await checkSchema(from, String(opts['from']));
          await migrateBackend(to);
          const timeoutMs = (opts['blobTimeout'] as number) * 1000;
          const fromBlobs = (opts['fromBlobs'] as string | undefined) ?? (await rememberedBlobStore(from.db));
          const counts = await withBytes(from, fromBlobs ?? 'database', timeoutMs, (fromBytes) =>
            withBytes(to, String(opts['toBlobs']), timeoutMs, (toBytes) =>
              copyWithProgress(opts, { backend: from, bytes: fromBytes }, { backend: to, bytes: toBytes }),
            ),
          );
          emit(
            opts,
            { copied: counts },
            summaryTable(
              Object.entries(counts).map(([table, n]) => [table, n]),
              [],
              'table',
            ),
          );
        }),
      ),
    );
}

async function copyWithProgress(opts: Options, from: CopyEnd, to: CopyEnd): Promise<Record<string, number>> {
  const bar = progressBar(opts, 'copying');
  let started = false;
  const counts = await copyStore(from, to, ({ table, copied, total }) => {
    if (!started) bar?.start(total, 0, { note: '' });
    started = true;
    bar?.update(copied, { note: ` ${table}` });
  });
  bar?.stop();
  return counts;
}

export function storeCommands(): Command[] {
  const store = new Command('store').description('Move a whole store between backends');
  store.addCommand(copyCommand());
  return [migrateCommand(), store];
}
