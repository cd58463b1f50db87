// `portrait tenant|user|group|contact …`: the directory from the command line (SPEC §1 contract).
import { Command } from 'commander';
import { knownRoleNames } from '../auth/directory-roles.js';
import type { Contact } from '../domain/directory.js';
import type { ListQuery, Page } from '../domain/listing.js';
import { contactJson, groupJson, userJson } from '../graph/directory-json.js';
import { checkContactInput, createContact } from '../services/contacts.js';
import { checkGroupInput, createGroup, deleteGroup } from '../services/groups.js';
import { checkPassword, checkUserInput, createUser, deleteUser, setPassword } from '../services/users.js';
import {
  collect,
  emit,
  emitList,
  namedTenant,
  namedUser,
  notInTenant,
  type Options,
  roleIds,
  storeCommand,
  UsageError,
  usageOf,
  withStore,
} from './cli-support.js';
import { tenantCommand } from './tenant-commands.js';
import { userImportCommand } from './user-import-command.js';

async function passwordFrom(opts: Options): Promise<string | undefined> {
  let password = opts['password'] as string | undefined;
  if (opts['passwordStdin']) {
    let text = '';
    for await (const chunk of process.stdin) text += chunk;
    password = text.replace(/\r?\n$/, '');
  }
  if (password !== undefined) usageOf(() => checkPassword(password));
  return password;
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
          const upn = String(opts['upn']);
          const input = {
            userPrincipalName: upn,
            displayName: String(opts['name']),
            mail: (opts['mail'] as string | undefined) ?? upn,
            directoryRoles: roleIds(opts['role'] as string[]),
            ...(opts['id'] ? { id: String(opts['id']) } : {}),
          };
          usageOf(() => checkUserInput(input));
          const password = await passwordFrom(opts);
          const tenant = await namedTenant(store, String(opts['tenant']));
          const created = await createUser(store.directory, tenant.id, {
            ...input,
            ...(password !== undefined ? { password } : {}),
          });
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
          await setPassword(store.directory, found, password ?? null);
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
          await deleteUser(store.directory, found);
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
          usageOf(() => checkGroupInput({ displayName: String(opts['name']) }));
          const tenant = await namedTenant(store, String(opts['tenant']));
          const ids = (keys: string[]) =>
            Promise.all(keys.map(async (key) => (await namedUser(store, tenant, key)).id));
          const created = await createGroup(store, tenant, {
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
          const found = await store.groups.findGroup(tenant.id, id.toLowerCase());
          if (!found) throw notInTenant('group', id, tenant);
          await deleteGroup(store, found);
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
          const input = {
            displayName: String(opts['name']),
            emailAddress: (opts['email'] as string | undefined) ?? null,
            ...(opts['folder'] ? { folderName: String(opts['folder']) } : {}),
          };
          usageOf(() => checkContactInput(input));
          const tenant = await namedTenant(store, String(opts['tenant']));
          const owner = await namedUser(store, tenant, String(opts['user']));
          const created = await createContact(store.mailbox, owner, input);
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
