// `portrait token`: prints a bearer token from the built-in issuer, and nothing else, for scripts
// and tests (SPEC §1). Delegated (--user, --scopes) or app-only (--app, --roles).
import type { Command } from 'commander';
import { decodeJwt } from 'jose';
import { SigningKeys } from '../auth/signing-keys.js';
import {
  GRAPH_AUDIENCE,
  mintAppToken,
  mintDelegatedToken,
  nameBasedGuid,
  type TokenOptions,
} from '../auth/token-issuer.js';
import { issuerBaseOf } from '../server.js';
import { canonicalPermissions } from '../services/app-service.js';
import {
  emit,
  namedTenant,
  namedUser,
  type Options,
  permissionList,
  permissionNamesChecked,
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

/**
 * The permissions a token will carry. A misspelt one (User.Raed) would only show up later as a
 * 403, so names Graph does not have are refused here, as `app create` refuses them.
 */
function permissions(opts: Options, name: 'scopes' | 'roles'): string[] {
  const names = permissionList(String(opts[name]));
  if (opts['allowUnknown']) return names;
  return canonicalPermissions(names, name === 'scopes' ? 'delegated' : 'application');
}

/** --scopes belong to a user's token and --roles to an app's: the other kind would ignore them. */
function checkSubject(opts: Options, command: Command): void {
  if (Boolean(opts['user']) === Boolean(opts['app'])) {
    throw new UsageError('give either --user (a delegated token) or --app (an app-only token)');
  }
  if (opts['user'] && command.getOptionValueSource('roles') !== 'default') {
    throw new UsageError('--roles is for app-only tokens (--app); a user token takes --scopes');
  }
  if (opts['app'] && command.getOptionValueSource('scopes') !== 'default') {
    throw new UsageError('--scopes is for user tokens (--user); an app-only token takes --roles');
  }
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
    .option('--allow-unknown', 'put permission names Graph does not have into the token as given')
    .addHelpText(
      'after',
      '\nPrints the token and nothing else; with --json, {"accessToken", "tokenType", "expiresOn", "tenantId"}.\n' +
        '\nExamples:\n' +
        '  portrait token --tenant contoso --user adele@contoso.onmicrosoft.com --scopes "User.ReadWrite ProfilePhoto.Read.All"\n' +
        '  portrait token --tenant contoso --app photo-sync --roles ProfilePhoto.ReadWrite.All',
    )
    .action((opts: Options, command: Command) => {
      checkSubject(opts, command);
      const lifetimeSeconds = parseDuration(String(opts['expires']));
      return withStore(opts, (store) =>
        permissionNamesChecked(async () => {
          const scopes = permissions(opts, 'scopes');
          const roles = permissions(opts, 'roles');
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
                { tenant, user: await namedUser(store, tenant, String(opts['user'])), scopes },
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
                  roles,
                },
                options,
              );
          const expiresOn = new Date(decodeJwt(token).exp! * 1000).toISOString();
          emit(opts, { accessToken: token, tokenType: 'Bearer', expiresOn, tenantId: tenant.id }, token);
        }),
      );
    });
}
