// `portrait photos import|export|mirror` (SPEC §1, §8 "Bulk tooling"): photos in bulk, with a
// progress bar on a terminal, a summary, and exit code 1 when anything failed.
import { readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { NotAnArchiveError, openPhotoFiles, type PhotoFiles } from '../bulk/photo-files.js';
import { exportPhotos } from '../bulk/photo-export.js';
import { importPhotos } from '../bulk/photo-import.js';
import { OwnerMapError, parseOwnerMap } from '../bulk/photo-owners.js';
import { addOptions, PIPELINE_OPTIONS, pipelineConfig } from '../config.js';
import { parseSizeSegment } from '../domain/photo-sizes.js';
import { photoMirrorCommand } from './photo-mirror-command.js';
import {
  concurrencyOption,
  emit,
  namedTenant,
  type Options,
  progressBar,
  storeCommand,
  summaryTable,
  UsageError,
  withStore,
} from './cli-support.js';

function existingPath(path: string, what: string): void {
  try {
    statSync(path);
  } catch {
    throw new UsageError(`${what} '${path}' does not exist`);
  }
}

async function photoFiles(source: string): Promise<PhotoFiles> {
  try {
    return await openPhotoFiles(source);
  } catch (error) {
    if (error instanceof NotAnArchiveError) throw new UsageError(error.message);
    throw error;
  }
}

function ownerMap(file: string | undefined): Map<string, string> | undefined {
  if (file === undefined) return undefined;
  existingPath(file, 'the map file');
  try {
    return parseOwnerMap(readFileSync(file, 'utf8'));
  } catch (error) {
    if (error instanceof OwnerMapError) throw new UsageError(`${file}: ${error.message}`);
    throw error;
  }
}

function importCommand(): Command {
  const command = storeCommand(
    'import',
    'Import photos from a folder or a ZIP archive; re-running it imports only what changed',
  )
    .argument('<source>', 'a folder (or ZIP) of <upn|mail|object id>.<jpg|jpeg|png|webp|gif|avif|tif> files')
    .requiredOption('--tenant <tenant>', 'tenant id or name')
    .option(
      '--map <file.csv>',
      "'file,owner' rows for files not named after their owner; an owner may be group:<id|name>",
    )
    .option('--concurrency <n>', 'files processed at once', concurrencyOption, availableParallelism())
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  portrait photos import ./portraits --tenant contoso\n' +
        '  portrait photos import portraits.zip --tenant contoso --map owners.csv --json\n' +
        '\nA map file:\n  file,owner\n  IMG_0412.jpg,adele@contoso.com\n  sales-logo.png,group:Sales',
    );
  return addOptions(command, PIPELINE_OPTIONS).action((source: string, opts: Options) => {
    existingPath(source, 'the folder or archive');
    const map = ownerMap(opts['map'] as string | undefined);
    return withStore(opts, async (store) => {
      const tenant = await namedTenant(store, String(opts['tenant']));
      const files = await photoFiles(source);
      const bar = progressBar(opts, 'importing photos');
      bar?.start(files.files.length, 0, { note: '' });
      try {
        const report = await importPhotos(
          store,
          {
            photos: store.photos,
            pipeline: pipelineConfig(opts),
          },
          tenant,
          files,
          {
            concurrency: opts['concurrency'] as number,
            ...(map ? { map } : {}),
            onFile: (done) => bar?.update(done),
          },
        );
        bar?.stop();
        const { ignored, ...json } = report;
        emit(
          opts,
          json,
          summaryTable(
            [
              ['imported', report.imported],
              ['skipped (unchanged)', report.skipped],
              ['failed', report.failed],
              ...(ignored.length > 0
                ? [[`not photos, ignored (${ignored.join(', ')})`, ignored.length] as [string, number]]
                : []),
            ],
            report.failures.map((f) => ({ name: f.file, error: f.error })),
            'file',
          ),
        );
        if (report.failed > 0) process.exitCode = 1;
      } finally {
        bar?.stop();
        await files.close();
      }
    });
  });
}

function exportCommand(): Command {
  return storeCommand('export', 'Export one JPEG per user and group with a photo, and a manifest.json')
    .argument('<dir>', 'the folder to write (created when missing)')
    .requiredOption('--tenant <tenant>', 'tenant id or name')
    .option(
      '--size <WxH>',
      "a size such as 240x240 (each photo's largest size up to it); default: each photo's largest",
    )
    .addHelpText(
      'after',
      '\nFiles are <userPrincipalName>.jpg (or <object id>.jpg) and group-<id>.jpg, which photos import reads back.\n' +
        '\nExamples:\n  portrait photos export ./backup --tenant contoso\n  portrait photos export ./thumbnails --tenant contoso --size 96x96 --json',
    )
    .action((dir: string, opts: Options) => {
      const size = opts['size'] === undefined ? undefined : parseSizeSegment(String(opts['size']));
      if (opts['size'] !== undefined && !size) {
        throw new UsageError(`--size takes WxH such as 240x240, not '${opts['size']}'`);
      }
      return withStore(opts, async (store) => {
        const tenant = await namedTenant(store, String(opts['tenant']));
        const bar = progressBar(opts, 'exporting photos');
        bar?.start(0, 0, { note: '' });
        const report = await exportPhotos(store, tenant, resolve(dir), {
          ...(size ? { size } : {}),
          onOwner: (done, total) => {
            bar?.setTotal(total);
            bar?.update(done);
          },
        });
        bar?.stop();
        emit(
          opts,
          report,
          `exported ${report.exported} photos to ${report.directory}; manifest: ${report.manifest}`,
        );
      });
    });
}

export function photosCommand(): Command {
  const photos = new Command('photos').description('Import, export and mirror photos in bulk');
  photos.addCommand(importCommand());
  photos.addCommand(exportCommand());
  photos.addCommand(photoMirrorCommand());
  return photos;
}
