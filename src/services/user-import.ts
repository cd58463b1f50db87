// Bulk import of users (and their group memberships) from CSV or JSON rows. Idempotent: a user
// who exists (by userPrincipalName) is updated only where the row differs, groups are created
// once, memberships added once; every row that cannot be imported is reported, not fatal.
import { findDirectoryRole } from '../auth/directory-roles.js';
import type { Group, User, UserFields } from '../domain/directory.js';
import type { Tenant } from '../domain/tenant.js';
import { messageOf } from '../errors.js';
import type { Store } from '../store/store.js';
import { ensureGroupMember, groupNamed } from './groups.js';
import { changedFields, checkUserInput, createUser, type UserInput, updateUser } from './users.js';

/** One row as it comes from the file: strings, or lists for roles and groups. */
export type ImportRow = Record<string, unknown>;

export interface ImportReport {
  created: number;
  updated: number;
  unchanged: number;
  groupsCreated: number;
  failed: { row: number; userPrincipalName?: string; error: string }[];
}

const COLUMNS = [
  'userPrincipalName',
  'displayName',
  'mail',
  'givenName',
  'surname',
  'jobTitle',
  'roles',
  'groups',
  'password',
];

class RowError extends Error {}

const text = (row: ImportRow, column: string): string | undefined => {
  const value = row[column];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new RowError(`'${column}' must be text`);
  return value.trim();
};

/** `a;b` in CSV, or a JSON list. */
const list = (row: ImportRow, column: string): string[] => {
  const value = row[column];
  if (value === undefined || value === null || value === '') return [];
  if (Array.isArray(value))
    return value
      .map(String)
      .map((v) => v.trim())
      .filter(Boolean);
  if (typeof value !== 'string') throw new RowError(`'${column}' must be a list or ;-separated text`);
  return value
    .split(';')
    .map((v) => v.trim())
    .filter(Boolean);
};

function fieldsOf(row: ImportRow): {
  fields: Partial<UserFields> & { userPrincipalName: string; displayName: string };
  groups: string[];
  password?: string;
} {
  // The values are the user service's to judge (users.ts); this reads the row's columns.
  const unknown = Object.keys(row).filter((key) => !COLUMNS.includes(key));
  if (unknown.length > 0) throw new RowError(`unknown column ${unknown.map((k) => `'${k}'`).join(', ')}`);
  const upn = text(row, 'userPrincipalName');
  if (!upn) throw new RowError(`'userPrincipalName' is missing`);
  const displayName = text(row, 'displayName');
  if (!displayName) throw new RowError(`'displayName' is missing`);
  const directoryRoles = list(row, 'roles').map((name) => {
    const role = findDirectoryRole(name);
    if (!role) throw new RowError(`unknown directory role '${name}'`);
    return role.templateId;
  });
  const password = text(row, 'password');
  const fields = {
    userPrincipalName: upn,
    displayName,
    mail: text(row, 'mail') ?? upn,
    givenName: text(row, 'givenName') ?? null,
    surname: text(row, 'surname') ?? null,
    jobTitle: text(row, 'jobTitle') ?? null,
  };
  checkUserInput({ ...fields, ...(password !== undefined ? { password } : {}) } satisfies UserInput);
  return {
    fields: { ...fields, directoryRoles },
    groups: list(row, 'groups'),
    ...(password !== undefined ? { password } : {}),
  };
}

export async function importUsers(
  store: Store,
  tenant: Tenant,
  rows: ImportRow[],
  onRow: (done: number) => void = () => {},
  /** Row numbers as the file counts them: CSV data starts on line 2, JSON at element 1. */
  firstRowNumber = 1,
): Promise<ImportReport> {
  const report: ImportReport = { created: 0, updated: 0, unchanged: 0, groupsCreated: 0, failed: [] };
  const groupsByName = new Map<string, Group>();

  const groupOf = async (name: string): Promise<Group> => {
    const key = name.toLowerCase();
    const known = groupsByName.get(key);
    if (known) return known;
    const { group, created } = await groupNamed(store, tenant, name);
    if (created) report.groupsCreated++;
    groupsByName.set(key, group);
    return group;
  };

  for (const [index, row] of rows.entries()) {
    const number = index + firstRowNumber;
    const upn = typeof row['userPrincipalName'] === 'string' ? row['userPrincipalName'] : undefined;
    try {
      const { fields, groups, password } = fieldsOf(row);
      const existing = await store.directory.findUser(tenant.id, fields.userPrincipalName);
      let user: User;
      if (existing) {
        const changed = changedFields(existing, fields);
        user =
          Object.keys(changed).length > 0 ? await updateUser(store.directory, existing, changed) : existing;
        report[Object.keys(changed).length > 0 ? 'updated' : 'unchanged']++;
      } else {
        // A password is set when the account is made; re-running the file does not reset it.
        user = await createUser(store.directory, tenant.id, {
          ...fields,
          ...(password !== undefined ? { password } : {}),
        });
        report.created++;
      }
      for (const name of groups) await ensureGroupMember(store, await groupOf(name), user.id);
    } catch (error) {
      report.failed.push({
        row: number,
        ...(upn ? { userPrincipalName: upn } : {}),
        error: messageOf(error),
      });
    }
    onRow(index + 1);
  }
  return report;
}
