// `portrait tenant create|list|update`: tenants and their settings from the command line (SPEC §1).
import { Command, Option } from 'commander';
import { CONSUMER_TENANT_ID } from '../auth/caller.js';
import type { SignInProvider, TenantSettings } from '../domain/tenant.js';
import { providerConfig } from '../services/federation.js';
import { parseLdapSetting } from '../services/ldap-settings.js';
import { parseSignInProvider } from '../services/sign-in-provider.js';
import { tenantJson } from '../graph/directory-json.js';
import { AVATAR_MODES, parseCorsOrigins, parseFaults } from '../services/tenant-settings.js';
import { createTenant, updateTenantSettings } from '../services/tenants.js';
import {
  emit,
  emitList,
  namedTenant,
  type Options,
  roleIds,
  storeCommand,
  UsageError,
  usageOf,
  withStore,
} from './cli-support.js';

/**
 * `--sign-in-provider` is saved even when its issuer does not answer now (it may be down, or
 * reachable only from the servers), with a warning; so is a secret variable this shell lacks.
 */
async function tryDiscovery(provider: SignInProvider): Promise<void> {
  const secret = process.env[provider.clientSecretEnv];
  if (!secret) {
    process.stderr.write(
      `warning: ${provider.clientSecretEnv} is not set here; each server reads the client secret from it\n`,
    );
  }
  try {
    await providerConfig(provider, secret ?? 'not-set');
  } catch (error) {
    process.stderr.write(
      `warning: ${provider.issuer} did not answer discovery (${(error as Error).message}); saved anyway\n`,
    );
  }
}

export function tenantCommand(): Command {
  const tenant = new Command('tenant').description('Create and list tenants');
  tenant.addCommand(
    storeCommand('create', 'Create a tenant')
      .argument('<name>', 'tenant name (unique, any case)')
      .option('--id <guid>', 'tenant id (default: a new GUID)')
      .option('--personal', `the personal-account (consumer) tenant, id ${CONSUMER_TENANT_ID}`)
      .option('--b2c', 'an Azure AD B2C tenant (Graph serves no photos there)')
      .addHelpText('after', '\nExample:\n  portrait tenant create contoso --json')
      .action((name: string, opts: Options) =>
        withStore(opts, async (store) => {
          if (opts['personal'] && opts['id'])
            throw new UsageError('--personal sets the id; give one or the other');
          const id = opts['personal'] ? CONSUMER_TENANT_ID : (opts['id'] as string | undefined);
          const created = await createTenant(store.directory, {
            name,
            ...(id ? { id } : {}),
            ...(opts['b2c'] ? { settings: { b2c: true } } : {}),
          });
          emit(opts, tenantJson(created), `${created.id}\t${created.name}`);
        }),
      ),
  );
  tenant.addCommand(
    storeCommand('list', 'List tenants').action((opts: Options) =>
      withStore(opts, async (store) =>
        emitList(opts, await store.directory.listTenants(), tenantJson, (t) => `${t.id}\t${t.name}`),
      ),
    ),
  );
  tenant.addCommand(
    storeCommand('update', "Change a tenant's settings")
      .argument('<tenant>', 'tenant id or name')
      .addOption(
        new Option(
          '--missing-photo-metadata <mode>',
          'metadata GET of a missing photo: not-found (404, as the live service) or placeholder (the docs 1X1 gif)',
        ).choices(['not-found', 'placeholder']),
      )
      .addOption(
        new Option('--b2c <on|off>', 'whether this is an Azure AD B2C tenant').choices(['on', 'off']),
      )
      .addOption(
        new Option(
          '--avatars <mode>',
          "/avatar/{hash}: 'public' serves this tenant's photos to anyone, 'off' (the default) acts as if it had none",
        ).choices(AVATAR_MODES),
      )
      .addOption(
        new Option(
          '--cors-origins <origins>',
          "browser origins allowed to call the API with this tenant's tokens: '*' (any, the default) or a space-separated list",
        ),
      )
      .addOption(
        new Option(
          '--photo-update-roles <roles>',
          "directory roles (names or template ids, comma-separated) that people need to change user photos, or 'none' for anyone allowed by the permissions",
        ),
      )
      .addOption(
        new Option(
          '--faults <faults>',
          "simulated failures of this tenant's API requests, e.g. '429=0.1 503=0.05 504=0.02 delay=200ms retry-after=1s seed=42', or 'off'",
        ),
      )
      .addOption(
        new Option(
          '--sign-in-provider <spec>',
          "people sign in through the organisation's OpenID provider: 'ISSUER client-id=ID client-secret-env=VAR [name=…] [scopes=…] [user-claim=email] [provision=jit|existing] [roles-claim=C] [role-map=…] [passwords=on|off]', or 'off'",
        ),
      )
      .addOption(
        new Option(
          '--ldap <spec>',
          "people and photos from LDAP or Active Directory (portrait directory sync; serve syncs every=…): 'URL base-dn=DN [bind-dn=DN bind-password-env=VAR] [filter=…] [map=…] [anchor=…] [photo-attribute=…] [write-photos=…] [ca=FILE] [starttls] [delete-missing] [every=15m]', or 'off'",
        ),
      )
      .addHelpText(
        'after',
        '\nExamples:\n  portrait tenant update contoso --ldap "ldaps://dc1.corp.contoso.com base-dn=\'OU=Staff,DC=corp,DC=contoso,DC=com\' bind-dn=\'CN=portrait,OU=Services,DC=corp,DC=contoso,DC=com\' bind-password-env=PORTRAIT_LDAP_PASSWORD every=15m"\n  portrait tenant update contoso --sign-in-provider "https://login.acme.example/realms/acme client-id=portrait client-secret-env=ACME_SECRET name=\'Acme SSO\' provision=jit"\n  portrait tenant update contoso --faults "429=0.1 503=0.05 delay=200ms"\n  portrait tenant update contoso --cors-origins "https://app.contoso.com http://localhost:3000"\n  portrait tenant update contoso --cors-origins "*" --json\n  portrait tenant update contoso --photo-update-roles "People Administrator, Global Administrator"\n  portrait tenant update contoso --avatars public',
      )
      .action((key: string, opts: Options) => {
        const corsOrigins = opts['corsOrigins']
          ? usageOf(() => parseCorsOrigins(String(opts['corsOrigins'])))
          : undefined;
        const faults =
          opts['faults'] === undefined ? undefined : usageOf(() => parseFaults(String(opts['faults'])));
        const signInProvider =
          opts['signInProvider'] === undefined
            ? undefined
            : usageOf(() => parseSignInProvider(String(opts['signInProvider'])));
        const photoRoles = opts['photoUpdateRoles'];
        const ldap =
          opts['ldap'] === undefined ? undefined : usageOf(() => parseLdapSetting(String(opts['ldap'])));
        const allowedRoles =
          photoRoles === undefined
            ? undefined
            : String(photoRoles).trim().toLowerCase() === 'none'
              ? []
              : roleIds(
                  String(photoRoles)
                    .split(',')
                    .map((r) => r.trim())
                    .filter(Boolean),
                );
        return withStore(opts, async (store) => {
          const found = await namedTenant(store, key);
          if (signInProvider) await tryDiscovery(signInProvider);
          const mode = opts['missingPhotoMetadata'];
          const updated = await updateTenantSettings(store.directory, found, {
            ...(mode ? { missingPhotoMetadata: mode === 'placeholder' ? 'placeholder' : 'notFound' } : {}),
            ...(opts['b2c'] ? { b2c: opts['b2c'] === 'on' } : {}),
            ...(corsOrigins ? { corsOrigins } : {}),
            ...(faults !== undefined ? { faults } : {}),
            ...(allowedRoles ? { photoUpdateSettings: { source: 'cloud' as const, allowedRoles } } : {}),
            ...(opts['avatars'] ? { avatars: opts['avatars'] as TenantSettings['avatars'] } : {}),
            ...(signInProvider !== undefined ? { signInProvider } : {}),
            ...(ldap !== undefined ? { ldap } : {}),
          });
          emit(opts, tenantJson(updated), `${updated.id}\t${JSON.stringify(updated.settings)}`);
        });
      }),
  );
  return tenant;
}
