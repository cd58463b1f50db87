// `portrait tenant|user|group|contact …`: the directory from the command line (SPEC §1 contract).
import { Command, Option } from 'commander';
import { CONSUMER_TENANT_ID } from '../auth/caller.js';
import { hashPassword, MIN_PASSWORD_LENGTH } from '../auth/credentials.js';
import { findDirectoryRole, knownRoleNames } from '../auth/directory-roles.js';
import { contactJson, groupJson, tenantJson, userJson } from '../graph/directory-json.js';
import { checkLengths } from '../graph/property-limits.js';
import { createGroup, isUserPrincipalName } from '../services/directory-service.js';
import { AVATAR_MODES, parseCorsOrigins, parseFaults } from '../services/tenant-settings.js';
import type { Contact } from '../domain/directory.js';
import type { ListQuery, Page } from '../domain/listing.js';
import type { TenantSettings } from '../domain/tenant.js';
import { DuplicateError } from '../store/store-errors.js';
import type { Store } from '../store/store.js';
import {
  collect,
  emit,
  namedTenant,
  namedUser,
  notInTenant,
  type Options,
  storeCommand,
  UsageError,
  withStore,
} from './cli-support.js';
import { userImportCommand } from './user-import-command.js';

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

/** A setting's parser refuses bad values with a TypeError: on the command line, a usage error. */
function usageOf<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Every item of a paged listing, page after page. */
async function allPages<T extends { id: string }>(
  list: (query: ListQuery) => Promise<Page<T>>,
): Promise<T[]> {
  const items: T[] = [];
  let page = await list({ top: 999 });
  items.push(...page.items);
  while (page.next) {
    page = await list({ top: 999, after: page.next });
    items.push(...page.items);
  }
  return items;
}

/** `--json`: `{"value": [...]}` as Graph lists; otherwise one tab-separated line per item. */
function emitList<T>(opts: Options, items: T[], json: (item: T) => object, line: (item: T) => string) {
  emit(opts, { value: items.map(json) }, items.map(line).join('\n'));
}

/** `tenant create` of a name or id that exists: name the tenant that is there. */
async function createTenant(store: Store, name: string, id: string | undefined) {
  try {
    return await store.directory.createTenant({ name, ...(id ? { id } : {}) });
  } catch (error) {
    if (!(error instanceof DuplicateError)) throw error;
    const existing =
      (await store.directory.findTenant(name)) ?? (id && (await store.directory.findTenant(id)));
    if (!existing) throw error;
    throw new Error(
      `tenant '${existing.name}' (id ${existing.id}) already exists; pick another ${existing.name.toLowerCase() === name.toLowerCase() ? 'name' : 'id'}`,
    );
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
          let created = await createTenant(store, name, id);
          if (opts['b2c']) created = await store.directory.updateTenantSettings(created.id, { b2c: true });
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
      .addHelpText(
        'after',
        '\nExamples:\n  portrait tenant update contoso --faults "429=0.1 503=0.05 delay=200ms"\n  portrait tenant update contoso --cors-origins "https://app.contoso.com http://localhost:3000"\n  portrait tenant update contoso --cors-origins "*" --json\n  portrait tenant update contoso --photo-update-roles "People Administrator, Global Administrator"\n  portrait tenant update contoso --avatars public',
      )
      .action((key: string, opts: Options) => {
        const corsOrigins = opts['corsOrigins']
          ? usageOf(() => parseCorsOrigins(String(opts['corsOrigins'])))
          : undefined;
        const faults =
          opts['faults'] === undefined ? undefined : usageOf(() => parseFaults(String(opts['faults'])));
        const photoRoles = opts['photoUpdateRoles'];
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
          const mode = opts['missingPhotoMetadata'];
          const updated = await store.directory.updateTenantSettings(found.id, {
            ...(mode ? { missingPhotoMetadata: mode === 'placeholder' ? 'placeholder' : 'notFound' } : {}),
            ...(opts['b2c'] ? { b2c: opts['b2c'] === 'on' } : {}),
            ...(corsOrigins ? { corsOrigins } : {}),
            ...(faults !== undefined ? { faults } : {}),
            ...(allowedRoles ? { photoUpdateSettings: { source: 'cloud' as const, allowedRoles } } : {}),
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
          const upn = String(opts['upn']);
          if (!isUserPrincipalName(upn)) {
            throw new UsageError(
              `--upn must be name@domain, with at most 64 characters before the @, not '${upn}'`,
            );
          }
          usageOf(() =>
            checkLengths('User', {
              userPrincipalName: upn,
              displayName: String(opts['name']),
              mail: opts['mail'] as string | undefined,
            }),
          );
          const password = await passwordFrom(opts);
          const tenant = await namedTenant(store, String(opts['tenant']));
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
  user.addCommand(
    storeCommand('list', "List a tenant's users")
      .requiredOption('--tenant <tenant>', 'tenant id or name')
      .addHelpText('after', '\nExample:\n  portrait user list --tenant contoso --json')
      .action((opts: Options) =>
        withStore(opts, async (store) => {
          const tenant = await namedTenant(store, String(opts['tenant']));
          const users = await allPages((query) => store.directory.listUsers(tenant.id, query));
          emitList(opts, users, userJson, (u) => `${u.id}\t${u.userPrincipalName}\t${u.displayName}`);
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
          const tenant = await namedTenant(store, String(opts['tenant']));
          const found = await namedUser(store, tenant, key);
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
          const tenant = await namedTenant(store, String(opts['tenant']));
          const found = await namedUser(store, tenant, key);
          await store.directory.deleteUser(tenant.id, found.id);
          emit(opts, { id: found.id, deleted: true }, `deleted ${found.userPrincipalName}`);
        }),
      ),
  );
  return user;
}

function groupCommand(): Command {
  const group = new Command('group').description('Create, list and delete groups and teams');
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
          usageOf(() => checkLengths('Group', { displayName: String(opts['name']) }));
          const tenant = await namedTenant(store, String(opts['tenant']));
          const ids = (keys: string[]) =>
            Promise.all(keys.map(async (key) => (await namedUser(store, tenant, key)).id));
          const created = await createGroup(store, {
            tenantId: tenant.id,
            displayName: String(opts['name']),
            mail: (opts['mail'] as string | undefined) ?? null,
            isTeam: Boolean(opts['team']),
            owners: await ids(opts['owner'] as string[]),
            members: await ids(opts['member'] as string[]),
          });
          emit(opts, groupJson(created.group, created), `${created.group.id}\t${created.group.displayName}`);
        }),
      ),
  );
  group.addCommand(
    storeCommand('list', "List a tenant's groups and teams")
      .requiredOption('--tenant <tenant>', 'tenant id or name')
      .action((opts: Options) =>
        withStore(opts, async (store) => {
          const tenant = await namedTenant(store, String(opts['tenant']));
          const groups = await allPages((query) => store.groups.listGroups(tenant.id, query));
          emitList(
            opts,
            groups,
            (g) => groupJson(g),
            (g) => `${g.id}\t${g.displayName}${g.isTeam ? '\t(team)' : ''}`,
          );
        }),
      ),
  );
  group.addCommand(
    storeCommand('delete', 'Delete a group with its photo')
      .requiredOption('--tenant <tenant>', 'tenant id or name')
      .argument('<group>', 'group id')
      .action((id: string, opts: Options) =>
        withStore(opts, async (store) => {
          const tenant = await namedTenant(store, String(opts['tenant']));
          if (!(await store.groups.deleteGroup(tenant.id, id.toLowerCase()))) {
            throw notInTenant('group', id, tenant);
          }
          emit(opts, { id, deleted: true }, `deleted group ${id}`);
        }),
      ),
  );
  return group;
}

function contactCommand(): Command {
  const contact = new Command('contact').description("Create and list contacts in a user's mailbox");
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
          usageOf(() =>
            checkLengths('Contact', {
              displayName: String(opts['name']),
              emailAddresses: opts['email'] as string | undefined,
            }),
          );
          const tenant = await namedTenant(store, String(opts['tenant']));
          const owner = await namedUser(store, tenant, String(opts['user']));
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
  contact.addCommand(
    storeCommand('list', "List a user's contacts, in every folder or in one")
      .requiredOption('--tenant <tenant>', 'tenant id or name')
      .requiredOption('--user <user>', 'mailbox owner (id or UPN)')
      .option('--folder <name>', 'only this contact folder')
      .action((opts: Options) =>
        withStore(opts, async (store) => {
          const tenant = await namedTenant(store, String(opts['tenant']));
          const owner = await namedUser(store, tenant, String(opts['user']));
          const folders = await store.mailbox.listContactFolders(tenant.id, owner.id);
          const wanted = opts['folder'] as string | undefined;
          const chosen = wanted
            ? folders.filter((f) => f.displayName.toLowerCase() === wanted.toLowerCase())
            : folders;
          if (wanted && chosen.length === 0) {
            throw new Error(
              `${owner.userPrincipalName} has no contact folder '${wanted}'; folders: ${folders.map((f) => f.displayName).join(', ') || 'none'}`,
            );
          }
          // null is the default Contacts folder, listed first when no folder is named.
          const folderIds = [...(wanted ? [] : [null]), ...chosen.map((f) => f.id)];
          const contacts: Contact[] = [];
          for (const folderId of folderIds) {
            contacts.push(
              ...(await allPages((query) =>
                store.mailbox.listContacts(tenant.id, owner.id, folderId, query),
              )),
            );
          }
          emitList(opts, contacts, contactJson, (c) => `${c.id}\t${c.displayName}`);
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
