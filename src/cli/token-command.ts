// `portrait token`: prints a bearer token from the built-in issuer, and nothing else, for scripts
// and tests (SPEC §1). Delegated (--user, --scopes) or app-only (--app, --roles).
import type { Command } from 'commander';
import { GRAPH_AUDIENCE } from '../auth/token-issuer.js';
import { mintToken, parseDuration } from '../services/tokens.js';
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

/** `--expires`: a duration, or a usage error. */
function lifetime(value: string): number {
  try {
    return parseDuration(value);
  } catch {
    throw new UsageError(
      `--expires takes a duration like 90s, 15m, 1h or 7d (at most a year), not '${value}'`,
    );
  }
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
      const lifetimeSeconds = lifetime(String(opts['expires']));
      return withStore(opts, (store) =>
        permissionNamesChecked(async () => {
          const scopes = permissions(opts, 'scopes');
          const roles = permissions(opts, 'roles');
          const tenant = await namedTenant(store, String(opts['tenant']));
          const { accessToken: token, expiresOn } = await mintToken(
            store,
            opts['user']
              ? { tenant, user: await namedUser(store, tenant, String(opts['user'])), scopes }
              : { tenant, app: String(opts['app']), roles },
            { audience: String(opts['audience']), lifetimeSeconds },
          );
          emit(opts, { accessToken: token, tokenType: 'Bearer', expiresOn, tenantId: tenant.id }, token);
        }),
      );
    });
}
