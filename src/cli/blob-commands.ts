// `portrait blobs gc` and `portrait blobs verify` (SPEC §14): collect the bytes of deleted and
// replaced photos once their grace time has passed, and check that every stored photo's bytes are
// where the store says.
import { Command } from 'commander';
import { duration } from '../config.js';
import { emit, type Options, storeCommand, withStore } from './cli-support.js';

const graceOption = (command: Command) =>
  command.option(
    '--grace <duration>',
    'bytes nothing names are kept this long after they were last put (0s, 90s, 15m, 1h, 2d)',
    duration('--grace', 0, 365 * 86_400),
    3600,
  );

function gcCommand(): Command {
  return graceOption(storeCommand('gc', 'Delete the photo bytes nothing names, past the grace time'))
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  portrait blobs gc --blob-store s3://photos/portrait?region=eu-west-1\n' +
        '  portrait blobs gc --grace 0s --json      # at once: only when no upload is running',
    )
    .action((opts: Options) =>
      withStore(opts, async (store) => {
        const { deleted, kept } = await store.collectPhotoBytes({
          graceMs: (opts['grace'] as number) * 1000,
        });
        emit(
          opts,
          { deleted, kept },
          `deleted ${deleted} unused photo size${deleted === 1 ? '' : 's'}; kept ${kept} past the grace time that a photo names again`,
        );
      }),
    );
}

function verifyCommand(): Command {
  return graceOption(storeCommand('verify', "Check that every stored photo's bytes are in the blob store"))
    .addHelpText(
      'after',
      '\nExit code 1 when the bytes of a stored photo are missing.\n\nExamples:\n' +
        '  portrait blobs verify --blob-store azure://photos --json',
    )
    .action((opts: Options) =>
      withStore(opts, async (store) => {
        const report = await store.verifyPhotoBytes({ graceMs: (opts['grace'] as number) * 1000 });
        const missing = report.missing.length;
        emit(
          opts,
          report,
          [
            `${store.photoBytes.name}: ${report.checked} stored size${report.checked === 1 ? '' : 's'} checked, ` +
              `${missing} missing, ${report.orphaned} unused past the grace time (blobs gc deletes them)`,
            ...report.missing.map((key) => `missing: ${key}`),
          ].join('\n'),
        );
        if (missing > 0) process.exitCode = 1;
      }),
    );
}

export function blobCommands(): Command {
  return new Command('blobs')
    .description('The photo bytes in the blob store: collect what nothing names, verify the rest')
    .addCommand(gcCommand())
    .addCommand(verifyCommand());
}
