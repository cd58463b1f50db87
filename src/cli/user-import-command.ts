// `portrait user import FILE`: users (with roles and groups) from CSV or JSON, with a progress
// bar on a terminal, a report of the rows that failed, and no harm in running it twice.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse } from 'csv-parse/sync';
import { type ImportRow, importUsers } from '../services/user-import.js';
import {
  emit,
  namedTenant,
  type Options,
  progressBar,
  storeCommand,
  UsageError,
  withStore,
} from './cli-support.js';

function readRows(file: string): { rows: ImportRow[]; firstRow: number } {
  const text = readFileSync(file, 'utf8');
  if (extname(file).toLowerCase() === '.json' || /^\s*\[/.test(text)) {
    let rows: unknown;
    try {
      rows = JSON.parse(text);
    } catch (error) {
      throw new UsageError(`${file} is not valid JSON: ${(error as Error).message}`);
    }
    if (!Array.isArray(rows)) throw new UsageError(`${file} must hold a JSON array of users`);
    return { rows: rows as ImportRow[], firstRow: 1 };
  }
  try {
    return {
      rows: parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true }) as ImportRow[],
      firstRow: 2,
    };
  } catch (error) {
    throw new UsageError(`${file} is not valid CSV: ${(error as Error).message}`);
  }
}

export function userImportCommand() {
  return storeCommand('import', 'Import users from a CSV or JSON file (re-running it is harmless)')
    .requiredOption('--tenant <tenant>', 'tenant id or name')
    .argument('<file>', 'CSV with a header row, or a JSON array of objects')
    .addHelpText(
      'after',
      '\nColumns (JSON: the same keys; roles and groups may be arrays):\n' +
        '  userPrincipalName, displayName (required); mail, givenName, surname, jobTitle,\n' +
        '  roles (;-separated role names), groups (;-separated group names, created when missing), password\n' +
        '\nExample:\n  portrait user import --tenant contoso people.csv',
    )
    .action((file: string, opts: Options) =>
      withStore(opts, async (store) => {
        const { rows, firstRow } = readRows(file);
        const tenant = await namedTenant(store, String(opts['tenant']));
        const bar = progressBar(opts, 'importing users');
        bar?.start(rows.length, 0, { note: '' });
        const report = await importUsers(store, tenant, rows, (done) => bar?.update(done), firstRow);
        bar?.stop();
        emit(
          opts,
          report,
          [
            `created ${report.created}, updated ${report.updated}, unchanged ${report.unchanged}, failed ${report.failed.length}` +
              (report.groupsCreated ? `; ${report.groupsCreated} groups created` : ''),
            ...report.failed.map(
              (f) =>
                `${firstRow === 2 ? 'line' : 'item'} ${f.row}${f.userPrincipalName ? ` (${f.userPrincipalName})` : ''}: ${f.error}`,
            ),
          ].join('\n'),
        );
        if (report.failed.length > 0) process.exitCode = 1;
      }),
    );
}
