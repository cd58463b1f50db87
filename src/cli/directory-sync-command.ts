// `portrait directory sync` (SPEC §13): people and photos from LDAP or Active Directory, once,
// with the tenant's kept settings (`tenant update T --ldap …`) or options given here over them;
// and `portrait directory status`: what the last sync of a tenant did.
import { availableParallelism } from 'node:os';
import { Command } from 'commander';
import { runDirectorySync, type SyncReport } from '../bulk/directory-sync.js';
import { addOptions, PIPELINE_OPTIONS, pipelineConfig } from '../config.js';
import {
  formatLdapSetting,
  LDAP_FLAGS,
  LDAP_KEYS,
  ldapSourceFrom,
  parseLdapUrl,
} from '../services/ldap-settings.js';
import {
  concurrencyOption,
  emit,
  namedTenant,
  type Options,
  progressBar,
  storeCommand,
  summaryTable,
  UsageError,
  usageOf,
  withStore,
} from './cli-support.js';

/** commander's name of each setting key's option: `base-dn` → `baseDn`. */
const camel = (key: string) => key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** The options given, as the tenant setting's keys. */
function givenSettings(opts: Options): Map<string, string> {
  const given = new Map<string, string>();
  for (const key of LDAP_KEYS) {
    const value = opts[camel(key)];
    if (value !== undefined) given.set(key, String(value));
  }
  for (const key of LDAP_FLAGS) if (opts[camel(key)] === true) given.set(key, '');
  return given;
}

const reportLines = (report: SyncReport) =>
  summaryTable(
    [
      ['users created', report.users.created],
      ['users updated', report.users.updated],
      ['users unchanged', report.users.unchanged],
      ['users deleted', report.users.deleted],
      ['photos imported', report.photos.imported],
      ['photos unchanged', report.photos.unchanged],
      ['photos removed', report.photos.removed],
      ['photos written back', report.photos.written],
      ['photos failed', report.photos.failed],
    ],
    report.failures.map((f) => ({ name: f.dn, error: f.error })),
    'entry',
  );

function syncCommand(): Command {
  const command = storeCommand('sync', 'Bring people and their photos from LDAP or Active Directory')
    .requiredOption('--tenant <tenant>', 'tenant id or name')
    .option('--ldap <url>', 'the server: ldap://host[:389] (with --starttls) or ldaps://host[:636]')
    .option('--base-dn <dn>', 'where the people are, e.g. ou=people,dc=example,dc=org')
    .option('--bind-dn <dn>', 'who to bind as (anonymous without it)')
    .option('--bind-password-env <var>', 'the environment variable holding the bind password')
    .option(
      '--filter <filter>',
      'which entries are people (default: (|(objectClass=inetOrgPerson)(objectClass=user)))',
    )
    .option(
      '--map <pairs>',
      "property=attribute pairs over the defaults, e.g. 'userPrincipalName=mail displayName=cn jobTitle='",
    )
    .option(
      '--anchor <attribute>',
      'what names an entry for good: entryUUID, objectGUID (detected), or another',
    )
    .option(
      '--photo-attribute <attribute>',
      'thumbnailPhoto or jpegPhoto (default: thumbnailPhoto when the schema has it)',
    )
    .option(
      '--write-photos <attribute>',
      'write photos changed in Portrait back to this attribute (a JPEG of at most 100 KB)',
    )
    .option('--delete-missing', 'delete the users this directory made whose entries are gone')
    .option('--starttls', 'upgrade an ldap:// connection with StartTLS')
    .option('--ca <file>', "a PEM file of the CA that signed the server's certificate")
    .option('--dry-run', 'say what would change, change nothing')
    .option('--concurrency <n>', 'photos processed at once', concurrencyOption, availableParallelism())
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  PORTRAIT_LDAP_PASSWORD=… portrait directory sync --tenant contoso --ldap ldaps://dc1.corp.contoso.com \\\n' +
        '    --base-dn "OU=Staff,DC=corp,DC=contoso,DC=com" --bind-dn "CN=portrait,OU=Services,DC=corp,DC=contoso,DC=com" \\\n' +
        '    --bind-password-env PORTRAIT_LDAP_PASSWORD --write-photos thumbnailPhoto --dry-run\n' +
        '  portrait directory sync --tenant contoso --json     # with the settings kept by tenant update --ldap\n' +
        '\nThe settings kept on the tenant are used for every option not given here.',
    );
  return addOptions(command, PIPELINE_OPTIONS).action((opts: Options) => {
    // What can be judged without the store is judged first: a usage error, whatever the tenant.
    if (opts['ldap'] !== undefined) usageOf(() => parseLdapUrl(String(opts['ldap'])));
    return withStore(opts, async (store) => {
      const tenant = await namedTenant(store, String(opts['tenant']));
      const kept = tenant.settings.ldap;
      if (!kept && opts['ldap'] === undefined) {
        throw new UsageError(
          `tenant ${tenant.name} keeps no LDAP settings: give --ldap URL and --base-dn, or keep them with portrait tenant update ${tenant.name} --ldap "URL base-dn=…"`,
        );
      }
      const source = usageOf(() =>
        ldapSourceFrom(opts['ldap'] as string | undefined, givenSettings(opts), kept),
      );
      const bar = progressBar(opts, opts['dryRun'] ? 'checking' : 'syncing');
      let started = false;
      try {
        // Undefined only for a sync run when due (serve's); this one always runs or throws.
        const report = await runDirectorySync(
          store,
          { photos: store.photos, pipeline: pipelineConfig(opts) },
          tenant,
          source,
          {
            dryRun: opts['dryRun'] === true,
            concurrency: opts['concurrency'] as number,
            onProgress: (done, total) => {
              if (!started) bar?.start(total, 0, { note: '' });
              started = true;
              bar?.update(done);
            },
          },
        );
        bar?.stop();
        emit(opts, report!, `${opts['dryRun'] ? 'dry run, nothing changed\n' : ''}${reportLines(report!)}`);
        if (report!.failures.length > 0) process.exitCode = 1;
      } finally {
        bar?.stop();
      }
    });
  });
}

function statusCommand(): Command {
  return storeCommand('status', "A tenant's LDAP settings and what its last sync did")
    .requiredOption('--tenant <tenant>', 'tenant id or name')
    .action((opts: Options) =>
      withStore(opts, async (store) => {
        const tenant = await namedTenant(store, String(opts['tenant']));
        const last = await store.directoryLinks.lastSync(tenant.id);
        const ldap = tenant.settings.ldap;
        emit(
          opts,
          { ldap: ldap && formatLdapSetting(ldap), lastSync: last ?? null },
          [
            `settings   ${ldap ? formatLdapSetting(ldap) : 'none (portrait tenant update --ldap …)'}`,
            `last sync  ${last ? `${last.startedAt} → ${last.finishedAt ?? 'running'}` : 'never'}`,
            ...(last ? [`result     ${JSON.stringify(last.result)}`] : []),
          ].join('\n'),
        );
      }),
    );
}

export function directorySyncCommands(): Command {
  return new Command('directory')
    .description('People and photos from LDAP or Active Directory')
    .addCommand(syncCommand())
    .addCommand(statusCommand());
}
