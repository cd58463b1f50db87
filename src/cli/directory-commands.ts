// `portrait tenant|user|group|contact …`: the directory from the command line (SPEC §1 contract).
import { Command, Option } from 'commander';
import { CONSUMER_TENANT_ID } from '../auth/caller.js';
import { hashPassword, MIN_PASSWORD_LENGTH } from '../auth/credentials.js';
import { findDirectoryRole, knownRoleNames } from '../auth/directory-roles.js';
import { contactJson, groupJson, tenantJson, userJson } from '../graph/directory-json.js';
import { createGroup, requireTenant, requireUser } from '../services/directory-service.js';
import { AVATAR_MODES, parseCorsOrigins } from '../services/tenant-settings.js';
import type { TenantSettings } from '../store/store.js';
import { userImportCommand } from './user-import-command.js';
import { collect, emit, type Options, storeCommand, UsageError, withStore } from './cli-support.js';

async function passwordFrom(opts: Options): Promise<string | undefined> {
  let password = opts['password'] as string | undefined;
  if (opts['passwordStdin']) {
    let text = '';
    for await (const chunk of process.stdin) text += chunk;
    password = text.replace(/\r?\n$/, '');
  }
  if (password !== undefined && password.length < MIN_PASSWORD_LENGTH) {
    throw new UsageError(`a password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  return password;
}

function corsOriginsOption(text: string) {
  try {
    return parseCorsOrigins(text);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function roleIds(names: string[]): string[] {
  return names.map((name) => {
    const role = findDirectoryRole(name);
    if (!role)
      throw new UsageError(`unknown directory role '${name}'; known roles: ${knownRoleNames().join(', ')}`);
    return role.templateId;
  });
}

function tenantCommand(): Command {
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
          let created = await store.directory.createTenant({ name, ...(id ? { id } : {}) });
          if (opts['b2c']) created = await store.directory.updateTenantSettings(created.id, { b2c: true });
          emit(opts, tenantJson(created), `${created.id}\t${created.name}`);
        }),
      ),
  );
  tenant.addCommand(
    storeCommand('list', 'List tenants').action((opts: Options) =>
      withStore(opts, async (store) => {
        const tenants = await store.directory.listTenants();
        emit(opts, { value: tenants.map(tenantJson) }, tenants.map((t) => `${t.id}\t${t.name}`).join('\n'));
      }),
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
      .addHelpText(
        'after',
        '\nExamples:\n  portrait tenant update contoso --cors-origins "https://app.contoso.com http://localhost:3000"\n  portrait tenant update contoso --cors-origins "*" --json\n  portrait tenant update contoso --avatars public',
      )
      .action((key: string, opts: Options) => {
        const corsOrigins = opts['corsOrigins'] ? corsOriginsOption(String(opts['corsOrigins'])) : undefined;
        return withStore(opts, async (store) => {
          const found = await requireTenant(store.directory, key);
          const mode = opts['missingPhotoMetadata'];
          const updated = await store.directory.updateTenantSettings(found.id, {
            ...(mode ? { missingPhotoMetadata: mode === 'placeholder' ? 'placeholder' : 'notFound' } : {}),
            ...(opts['b2c'] ? { b2c: opts['b2c'] === 'on' } : {}),
            ...(corsOrigins ? { corsOrigins } : {}),
            ...(opts['avatars'] ? { avatars: opts['avatars'] as TenantSettings['avatars'] } : {}),
          });
          emit(opts, tenantJson(updated), `${updated.id}\t${JSON.stringify(updated.settings)}`);
        });
      }),
  );
  return tenant;
}

function userCommand(): Command {
  const user = new Command('user').description('Create, list and delete users');
  user.addCommand(
    storeCommand('create', 'Create a user')
      .requiredOption('--tenant <tenant>', 'tenant id or name')
      .requiredOption('--upn <upn>', 'userPrincipalName, e.g. adele@contoso.com')
      .requiredOption('--name <displayName>', 'display name')
      .option('--mail <address>', 'mail address (default: the UPN)')
      .option('--id <guid>', "object id (default: a new GUID), e.g. the user's id in another directory")
      .option('--role <role>', `directory role, repeatable (${knownRoleNames().join(', ')})`, collect, [])
      .option('--password <password>', 'sign-in password for the built-in issuer (prefer --password-stdin)')
      .option('--password-stdin', 'read the sign-in password from standard input')
      .addHelpText(
        'after',
        '\nExample:\n  portrait user create --tenant contoso --upn lee@contoso.com --name "Lee Gu" --role "User Administrator" --json',
      )
      .action((opts: Options) =>
        withStore(opts, async (store) => {
          const directoryRoles = roleIds(opts['role'] as string[]);
          const password = await passwordFrom(opts);
          const tenant = await requireTenant(store.directory, String(opts['tenant']));
          const created = await store.directory.createUser({
            tenantId: tenant.id,
            userPrincipalName: String(opts['upn']),
            displayName: String(opts['name']),
            mail: (opts['mail'] as string | undefined) ?? String(opts['upn']),
            directoryRoles,
            ...(opts['id'] ? { id: String(opts['id']) } : {}),
          });
          if (password !== undefined)
            await store.directory.setPasswordHash(tenant.id, created.id, await hashPassword(password));
          emit(opts, userJson(created), `${created.id}\t${created.userPrincipalName}`);
        }),
      ),
  );
  user.addCommand(userImportCommand());
  user.addCommand(
    storeCommand('set-password', 'Set (or with --remove, remove) the password a user signs in with')
      .requiredOption('--tenant <tenant>', 'tenant id or name')
      .argument('<user>', 'object id or userPrincipalName')
      .option('--password <password>', 'the new password (prefer --password-stdin)')
      .option('--password-stdin', 'read the new password from standard input')
      .option('--remove', 'remove the password: the user cannot sign in')
      .action((key: string, opts: Options) =>
        withStore(opts, async (store) => {
          const tenant = await requireTenant(store.directory, String(opts['tenant']));
          const found = await requireUser(store.directory, tenant.id, key);
          const password = await passwordFrom(opts);
          if ((password === undefined) === !opts['remove']) {
            throw new UsageError('give --password, --password-stdin or --remove');
          }
          await store.directory.setPasswordHash(
            tenant.id,
            found.id,
            password === undefined ? null : await hashPassword(password),
          );
          emit(
            opts,
            { id: found.id, password: password === undefined ? 'removed' : 'set' },
            `password ${password === undefined ? 'removed' : 'set'}`,
          );
        }),
      ),
  );
  user.addCommand(
    storeCommand('delete', 'Delete a user with their photo and contacts')
      .requiredOption('--tenant <tenant>', 'tenant id or name')
      .argument('<user>', 'object id or userPrincipalName')
      .action((key: string, opts: Options) =>
        withStore(opts, async (store) => {
          const tenant = await requireTenant(store.directory, String(opts['tenant']));
          const found = await requireUser(store.directory, tenant.id, key);
          await store.directory.deleteUser(tenant.id, found.id);
          emit(opts, { id: found.id, deleted: true }, `deleted ${found.userPrincipalName}`);
        }),
      ),
  );
  return user;
}

function groupCommand(): Command {
  const group = new Command('group').description('Create and delete groups and teams');
  group.addCommand(
    storeCommand('create', 'Create a group (with --team, a team)')
      .requiredOption('--tenant <tenant>', 'tenant id or name')
      .requiredOption('--name <displayName>', 'display name')
      .option('--mail <address>', 'mail address')
      .option('--owner <user>', 'owner (id or UPN), repeatable', collect, [])
      .option('--member <user>', 'member (id or UPN), repeatable', collect, [])
      .option('--team', 'the group has a team (/teams/{id})')
      .addHelpText(
        'after',
        '\nExample:\n  portrait group create --tenant contoso --name Sales --owner lee@contoso.com --member adele@contoso.com --team --json',
      )
      .action((opts: Options) =>
        withStore(opts, async (store) => {
          const tenant = await requireTenant(store.directory, String(opts['tenant']));
          const created = await createGroup(store, {
            tenantId: tenant.id,
            displayName: String(opts['name']),
            mail: (opts['mail'] as string | undefined) ?? null,
            isTeam: Boolean(opts['team']),
            owners: opts['owner'] as string[],
            members: opts['member'] as string[],
          });
          emit(opts, groupJson(created.group, created), `${created.group.id}\t${created.group.displayName}`);
        }),
      ),
  );
  group.addCommand(
    storeCommand('delete', 'Delete a group with its photo')
      .requiredOption('--tenant <tenant>', 'tenant id or name')
      .argument('<group>', 'group id')
      .action((id: string, opts: Options) =>
        withStore(opts, async (store) => {
          const tenant = await requireTenant(store.directory, String(opts['tenant']));
          if (!(await store.groups.deleteGroup(tenant.id, id.toLowerCase()))) {
            throw new Error(`no group ${id} in tenant ${tenant.name}`);
          }
          emit(opts, { id, deleted: true }, `deleted group ${id}`);
        }),
      ),
  );
  return group;
}

function contactCommand(): Command {
  const contact = new Command('contact').description("Create contacts in a user's mailbox");
  contact.addCommand(
    storeCommand('create', 'Create a contact (in a contact folder with --folder)')
      .requiredOption('--tenant <tenant>', 'tenant id or name')
      .requiredOption('--user <user>', 'mailbox owner (id or UPN)')
      .requiredOption('--name <displayName>', 'display name')
      .option('--folder <name>', 'contact folder name; created when missing')
      .option('--email <address>', 'email address')
      .addHelpText(
        'after',
        '\nExample:\n  portrait contact create --tenant contoso --user adele@contoso.com --folder Suppliers --name "Isaiah Langer" --json',
      )
      .action((opts: Options) =>
        withStore(opts, async (store) => {
          const tenant = await requireTenant(store.directory, String(opts['tenant']));
          const owner = await requireUser(store.directory, tenant.id, String(opts['user']));
          const folder = opts['folder']
            ? await store.mailbox.ensureContactFolder(tenant.id, owner.id, String(opts['folder']))
            : undefined;
          const created = await store.mailbox.createContact({
            tenantId: tenant.id,
            userId: owner.id,
            folderId: folder?.id ?? null,
            displayName: String(opts['name']),
            emailAddress: (opts['email'] as string | undefined) ?? null,
          });
          emit(opts, contactJson(created), `${created.id}\t${created.displayName}`);
        }),
      ),
  );
  return contact;
}

export const directoryCommands = (): Command[] => [
  tenantCommand(),
  userCommand(),
  groupCommand(),
  contactCommand(),
];
