// Whose photo each imported file is (SPEC §1): a file named after a user's userPrincipalName, mail
// or object id, `group-<id>` as `photos export` names groups, or what a map file says.
import { parse } from 'csv-parse/sync';
import type { Tenant } from '../domain/tenant.js';
import type { Store } from '../store/store.js';

export interface PhotoOwner {
  kind: 'user' | 'group';
  /** The object id: the photo set's owner. */
  id: string;
  /** How reports name it: the userPrincipalName, or `group:<id>`. */
  label: string;
}

/** A map file could not be read: a usage error. */
export class OwnerMapError extends Error {}

/**
 * `file,owner` rows (a header row of exactly that is allowed): which owner a file belongs to, for
 * files whose names do not say it. An owner is a user (UPN, mail or object id) or `group:<id|name>`.
 */
export function parseOwnerMap(text: string): Map<string, string> {
  let rows: string[][];
  try {
    rows = parse(text, { skip_empty_lines: true, trim: true, bom: true, relax_column_count: true });
  } catch (error) {
    throw new OwnerMapError(`the map file is not valid CSV: ${(error as Error).message}`);
  }
  if (rows[0]?.[0]?.toLowerCase() === 'file' && rows[0][1]?.toLowerCase() === 'owner') rows.shift();
  const map = new Map<string, string>();
  for (const [index, row] of rows.entries()) {
    const [file, owner] = row;
    if (row.length !== 2 || !file || !owner) {
      throw new OwnerMapError(`the map file's row ${index + 1} is not 'file,owner'`);
    }
    if (map.has(file)) throw new OwnerMapError(`the map file names '${file}' twice`);
    map.set(file, owner);
  }
  return map;
}

const GROUP_FILE = /^group-([0-9a-f-]{36})$/i;

async function findGroupOwner(
  store: Pick<Store, 'groups'>,
  tenant: Tenant,
  key: string,
): Promise<PhotoOwner> {
  const byId = await store.groups.findGroup(tenant.id, key.toLowerCase());
  if (byId) return { kind: 'group', id: byId.id, label: `group:${byId.id}` };
  const named = await store.groups.listGroups(tenant.id, {
    top: 2,
    filter: { join: 'and', clauses: [{ property: 'displayName', fn: 'eq', value: key }] },
  });
  if (named.items.length > 1) throw new Error(`several groups are named '${key}'; name the group by its id`);
  const group = named.items[0];
  if (!group) throw new Error(`no group with the id or name '${key}' in tenant ${tenant.name}`);
  return { kind: 'group', id: group.id, label: `group:${group.id}` };
}

/** The owner `key` names in the tenant; throws an Error whose message says why there is none. */
export async function findPhotoOwner(
  store: Pick<Store, 'directory' | 'groups'>,
  tenant: Tenant,
  key: string,
): Promise<PhotoOwner> {
  if (key.toLowerCase().startsWith('group:'))
    return findGroupOwner(store, tenant, key.slice('group:'.length));
  const groupFile = GROUP_FILE.exec(key);
  if (groupFile) return findGroupOwner(store, tenant, groupFile[1]!);
  const user =
    (await store.directory.findUser(tenant.id, key)) ??
    (await store.directory.findUserByMail(tenant.id, key));
  if (!user)
    throw new Error(
      `no user with the userPrincipalName, mail or object id '${key}' in tenant ${tenant.name}`,
    );
  return { kind: 'user', id: user.id, label: user.userPrincipalName };
}
