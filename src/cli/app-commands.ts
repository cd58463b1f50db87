// `portrait app …` (app registrations, admin consent) and `portrait keys …` (signing keys).
import { Command } from 'commander';
import { newClientSecret } from '../auth/credentials.js';
import { applicationPermissionNames } from '../auth/graph-permissions.js';
import { SigningKeys } from '../auth/signing-keys.js';
import { appJson } from '../graph/directory-json.js';
import { createApp, grantConsent, revokeConsent } from '../services/app-service.js';
import type { AppRegistration } from '../domain/identity.js';
import type { Tenant } from '../domain/tenant.js';
import type { Store } from '../store/store.js';
import {
  collect,
  emit,
  namedApp,
  namedTenant,
  type Options,
  permissionList,
  permissionNamesChecked,
  storeCommand,
  UsageError,
  withStore,
} from './cli-support.js';

const listOption = (opts: Options, name: string) =>
  opts[name] === undefined ? undefined : permissionList(String(opts[name]));

/** A command on one app registration, named by `--tenant` and `--app`. */
const oneAppCommand = (name: string, description: string) =>
  storeCommand(name, description)
    .requiredOption('--tenant <tenant>', 'tenant id or name')
    .requiredOption('--app <app>', 'client id or name');

/** Runs `work` on the store and the app registration that `--tenant` and `--app` name. */
const withApp = (
  opts: Options,
  work: (store: Store, tenant: Tenant, app: AppRegistration) => Promise<void>,
) =>
  withStore(opts, async (store) => {
    const tenant = await namedTenant(store, String(opts['tenant']));
    return work(store, tenant, await namedApp(store, tenant, String(opts['app'])));
  });

function appCommand(): Command {
  const app = new Command('app').description('App registrations and admin consent');
  app.addCommand(
    storeCommand('create', 'Register an app; prints its client id and, once, its secret')
      .requiredOption('--tenant <tenant>', 'tenant id or name')
      .requiredOption('--name <name>', 'display name (unique in the tenant)')
      .option(
        '--roles <permissions>',
        `application permissions it asks for (${applicationPermissionNames().join(', ')})`,
      )
      .option('--grant', 'grant admin consent for those permissions at once')
      .option('--redirect-uri <url>', 'redirect URI for sign-in (repeatable)', collect, [])
      .option('--public', 'a public client (SPA, native app): signs users in with PKCE, has no secret')
      .addHelpText(
        'after',
        '\nExample:\n  portrait app create --tenant contoso --name photo-sync --roles ProfilePhoto.ReadWrite.All --grant --json',
      )
      .action((opts: Options) =>
        withStore(opts, (store) =>
          permissionNamesChecked(async () => {
            const tenant = await namedTenant(store, String(opts['tenant']));
            let { app: created, secret } = await createApp(store.apps, {
              tenant,
              name: String(opts['name']),
              roles: listOption(opts, 'roles') ?? [],
              redirectUris: opts['redirectUri'] as string[],
              publicClient: Boolean(opts['public']),
            });
            if (opts['grant']) created = await grantConsent(store.apps, created, {});
            emit(
              opts,
              { ...appJson(created), ...(secret ? { clientSecret: secret } : {}) },
              [
                `client id: ${created.appId}`,
                ...(secret ? [`client secret: ${secret}  (shown once)`] : []),
              ].join('\n'),
            );
          }),
        ),
      ),
  );
  app.addCommand(
    storeCommand('list', 'List app registrations')
      .requiredOption('--tenant <tenant>', 'tenant id or name')
      .action((opts: Options) =>
        withStore(opts, async (store) => {
          const tenant = await namedTenant(store, String(opts['tenant']));
          const apps = await store.apps.listApps(tenant.id);
          emit(
            opts,
            { value: apps.map(appJson) },
            apps
              .map((a) => `${a.appId}\t${a.displayName}\troles: ${a.grantedRoles.join(' ') || '-'}`)
              .join('\n'),
          );
        }),
      ),
  );
  for (const [verb, description, apply] of [
    ['grant', 'Grant admin consent (all requested application permissions unless named)', grantConsent],
    ['revoke', 'Revoke admin consent (everything unless named)', revokeConsent],
  ] as const) {
    app.addCommand(
      oneAppCommand(verb, description)
        .option('--roles <permissions>', 'application permissions')
        .option('--scopes <permissions>', 'delegated permissions, for every user of the tenant')
        .action((opts: Options) =>
          withApp(opts, (store, _tenant, found) =>
            permissionNamesChecked(async () => {
              const roles = listOption(opts, 'roles');
              const scopes = listOption(opts, 'scopes');
              const updated = await apply(store.apps, found, {
                ...(roles ? { roles } : {}),
                ...(scopes ? { scopes } : {}),
              });
              emit(
                opts,
                appJson(updated),
                `roles: ${updated.grantedRoles.join(' ') || '-'}\nscopes: ${updated.grantedScopes.join(' ') || '-'}`,
              );
            }),
          ),
        ),
    );
  }
  app.addCommand(
    oneAppCommand('add-secret', 'Add a client secret (prints it once); older secrets keep working').action(
      (opts: Options) =>
        withApp(opts, async (store, _tenant, found) => {
          if (found.publicClient)
            throw new UsageError(`'${found.displayName}' is a public client: it has no secrets`);
          const { secret, record } = newClientSecret(found.id);
          await store.apps.addClientSecret(record);
          emit(opts, { appId: found.appId, clientSecret: secret, expiresAt: record.expiresAt }, secret);
        }),
    ),
  );
  app.addCommand(
    oneAppCommand('delete', 'Delete an app registration, its secrets and consents').action((opts: Options) =>
      withApp(opts, async (store, tenant, found) => {
        await store.apps.deleteApp(tenant.id, found.appId);
        emit(opts, { appId: found.appId, deleted: true }, `deleted ${found.displayName}`);
      }),
    ),
  );
  return app;
}

function keysCommand(): Command {
  const keys = new Command('keys').description("The built-in issuer's signing keys");
  keys.addCommand(
    storeCommand(
      'rotate',
      'Sign with a new key from now on; the old one verifies until its tokens expire',
    ).action((opts: Options) =>
      withStore(opts, async (store) => {
        const result = await (await SigningKeys.open(store.keys)).rotate();
        emit(
          opts,
          result,
          `signing with ${result.kid}; retired ${result.retired.join(', ') || '-'}; removed ${result.removed.join(', ') || '-'}`,
        );
      }),
    ),
  );
  keys.addCommand(
    storeCommand('list', 'List signing keys').action((opts: Options) =>
      withStore(opts, async (store) => {
        const signing = await SigningKeys.open(store.keys);
        await signing.prune();
        const list = signing.list().map((k) => ({
          kid: k.kid,
          alg: k.alg,
          createdAt: k.createdAt,
          retiredAt: k.retiredAt,
          tokensValidUntil: k.maxExpiry ? new Date(k.maxExpiry * 1000).toISOString() : null,
        }));
        emit(
          opts,
          { value: list },
          list.map((k) => `${k.kid}\t${k.retiredAt ? `retired ${k.retiredAt}` : 'active'}`).join('\n'),
        );
      }),
    ),
  );
  return keys;
}

export const identityCommands = (): Command[] => [appCommand(), keysCommand()];
