// `portrait fixtures apply FILE` (SPEC §11): the fixtures a test suite declares, applied to any
// store — idempotent, so a second run changes nothing and keeps every ETag.
import { Command } from 'commander';
import { addOptions, PIPELINE_OPTIONS, pipelineConfig } from '../config.js';
import { FixtureError } from '../services/fixture-file.js';
import { applyFixtures } from '../services/fixtures.js';
import { emit, type Options, readFixtures, storeCommand, UsageError, withStore } from './cli-support.js';

function applyCommand(): Command {
  const command = storeCommand(
    'apply',
    'Create or update what a fixtures file declares; running it again changes nothing',
  )
    .argument('<file>', 'fixtures JSON (fixtures.schema.json); photo paths are relative to it')
    .addHelpText(
      'after',
      '\nPrints what was done; with --json, {"tenants": [{"id", "name"}], "created", "changed", "unchanged", "photos"}.\n' +
        'A mistake is named by its JSON pointer (exit 2): one in the file, or a member who is not a user,\n' +
        'before anything is written; a photo the pipeline refuses, once the rest is (run it again when mended).\n' +
        '\nExamples:\n' +
        '  portrait fixtures apply test/fixtures.json\n' +
        '  portrait fixtures apply fixtures.json --database postgres://postgres@127.0.0.1:5432/portrait --json',
    );
  return addOptions(command, PIPELINE_OPTIONS).action(async (file: string, opts: Options) => {
    const fixtures = await readFixtures(file);
    await withStore(opts, async (store) => {
      const applied = await applyFixtures(store, fixtures, pipelineConfig(opts)).catch((error: unknown) => {
        throw error instanceof FixtureError ? new UsageError(`${file}: ${error.message}`) : error;
      });
      emit(
        opts,
        applied,
        `${applied.tenants.map((t) => `${t.name}\t${t.id}`).join('\n')}\n` +
          `${applied.created} created, ${applied.changed} changed, ${applied.unchanged} unchanged; ${applied.photos} photos stored`,
      );
    });
  });
}

export function fixturesCommand(): Command {
  return new Command('fixtures')
    .description('Tenants, users, groups, contacts, apps and photos declared in one JSON file')
    .addCommand(applyCommand());
}
