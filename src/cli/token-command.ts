// `portrait token`: prints a bearer token from the built-in issuer, and nothing else, for scripts
// and tests (SPEC §1). Delegated (--user, --scopes) or app-only (--app, --roles).
import { SigningKeys } from '../auth/signing-keys.js';
import {
  GRAPH_AUDIENCE,
  mintAppToken,
  mintDelegatedToken,
  nameBasedGuid,
  type TokenOptions,
} from '../auth/token-issuer.js';
import { issuerBaseOf } from '../server.js';
import {
  namedTenant,
  namedUser,
  type Options,
  permissionList,
  storeCommand,
  UsageError,
  withStore,
} from './cli-support.js';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `90`, `90s`, `15m`, `1h`, `7d` → seconds. */
export function parseDuration(value: string): number {
  const match = /^(\d+)\s*([smhd]?)$/i.exec(value.trim());
  const seconds = match ? Number(match[1]) * UNIT_SECONDS[(match[2] || 's').toLowerCase()]! : Number.NaN;
  if (!(seconds > 0) || seconds > 365 * 86_400) {
    throw new UsageError(
      `--expires takes a duration like 90s, 15m, 1h or 7d (at most a year), not '${value}'`,
    );
  }
  return seconds;
}

export function tokenCommand() {
  return storeCommand('token', 'Print an access token from the built-in issuer')
    .requiredOption('--tenant <tenant>', 'tenant id or name')
    .option('--user <user>', 'signed-in user (id or UPN): a delegated token')
    .option('--scopes <scopes>', 'delegated scopes (scp), space- or comma-separated', 'User.Read')
    .option('--app <name>', 'application name: an app-only token')
    .option('--roles <roles>', 'application permissions (roles), space- or comma-separated', '')
    .option('--expires <duration>', 'lifetime, e.g. 15m, 1h, 7d', '1h')
    .option('--audience <aud>', 'audience (aud)', GRAPH_AUDIENCE)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  portrait token --tenant contoso --user adele@contoso.onmicrosoft.com --scopes "User.ReadWrite ProfilePhoto.Read.All"\n' +
        '  portrait token --tenant contoso --app photo-sync --roles ProfilePhoto.ReadWrite.All',
    )
    .action((opts: Options) => {
      if (Boolean(opts['user']) === Boolean(opts['app'])) {
        throw new UsageError('give either --user (a delegated token) or --app (an app-only token)');
      }
      const lifetimeSeconds = parseDuration(String(opts['expires']));
      return withStore(opts, async (store) => {
        const tenant = await namedTenant(store, String(opts['tenant']));
        const keys = await SigningKeys.open(store.keys);
        const options: TokenOptions = {
          issuerBase: await issuerBaseOf(store),
          audience: String(opts['audience']),
          lifetimeSeconds,
        };
        const token = opts['user']
          ? await mintDelegatedToken(
              keys,
              {
                tenant,
                user: await namedUser(store, tenant, String(opts['user'])),
                scopes: permissionList(String(opts['scopes'])),
              },
              options,
            )
          : await mintAppToken(
              keys,
              {
                tenant,
                // A registered app's own client id; otherwise a stable one made from the name.
                appId:
                  (await store.apps.findApp(tenant.id, String(opts['app'])))?.appId ??
                  nameBasedGuid('app', tenant.id, String(opts['app']).toLowerCase()),
                appName: String(opts['app']),
                roles: permissionList(String(opts['roles'])),
              },
              options,
            );
        process.stdout.write(`${token}\n`);
      });
    });
}
