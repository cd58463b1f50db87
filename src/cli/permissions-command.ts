// `portrait permissions report`: which granted permissions an app needed, which it never used,
// and the least privileged set that would have allowed every call it made (SPEC §1, §8).
import { Command } from 'commander';
import { findClient } from '../services/app-service.js';
import { permissionReport } from '../services/permission-report.js';
import { USAGE_RETENTION_DAYS, utcDay } from '../services/usage-recorder.js';
import {
  emit,
  namedTenant,
  notInTenant,
  type Options,
  storeCommand,
  UsageError,
  withStore,
} from './cli-support.js';

/** `30d`: how many days back the report reaches, today included. */
function sinceDays(text: string): number {
  const match = /^(\d+)d$/i.exec(text.trim());
  const days = match ? Number(match[1]) : Number.NaN;
  if (!Number.isInteger(days) || days < 1 || days > USAGE_RETENTION_DAYS) {
    throw new UsageError(`--since takes a number of days from 1d to ${USAGE_RETENTION_DAYS}d, not '${text}'`);
  }
  return days;
}

const line = (label: string, names: string[]) => `  ${label.padEnd(10)} ${names.join(', ') || '(none)'}`;

export function permissionsCommand(): Command {
  const permissions = new Command('permissions').description('What apps use of the permissions they hold');
  permissions.addCommand(
    storeCommand(
      'report',
      'Granted, used and unused permissions of an app, and the least privileged set it needs',
    )
      .requiredOption('--tenant <tenant>', 'tenant id or name')
      .requiredOption('--app <app>', 'client id or name (the console: its client id)')
      .option('--since <days>', 'how far back, e.g. 7d', '30d')
      .addHelpText(
        'after',
        '\nCalls are counted as the server allows them and saved every few seconds.\n' +
          '\nExample:\n  portrait permissions report --tenant contoso --app photo-sync --since 7d --json',
      )
      .action((opts: Options) => {
        const days = sinceDays(String(opts['since']));
        return withStore(opts, async (store) => {
          const tenant = await namedTenant(store, String(opts['tenant']));
          const key = String(opts['app']);
          // The console's first-party client has no registration, but its calls are counted too.
          const app = await findClient(store.apps, tenant.id, key);
          if (!app) throw notInTenant('app', key, tenant);
          const since = utcDay(Date.now() - (days - 1) * 86_400_000);
          const report = await permissionReport(store, tenant, app, since);
          const calls = report.calls.map(
            (c) =>
              `  ${c.label} (${c.column}): ${c.calls} call${c.calls === 1 ? '' : 's'}, allowed by ${c.permission}`,
          );
          emit(
            opts,
            report,
            [
              `${report.app} (${report.appId}) in ${report.tenant}, calls since ${report.since}:`,
              line('granted', report.granted),
              line('used', report.used),
              line('unused', report.unused),
              line('suggested', report.suggested),
              ...(calls.length > 0 ? ['calls:', ...calls] : ['no calls counted']),
            ].join('\n'),
          );
        });
      }),
  );
  return permissions;
}
