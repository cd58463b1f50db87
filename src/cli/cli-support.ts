// What every CLI command shares: opening the store named by --data/--database, finding the tenant,
// user or app a command names, printing one JSON object (--json) or a human line, the exit codes
// (0 ok, 1 failure, 2 usage error), and the progress bar and summary of long work.
import { SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { findDirectoryRole, knownRoleNames } from '../auth/directory-roles.js';
import { addOptions, STORE_OPTIONS, storeConfig } from '../config.js';
import { PermissionNameError } from '../services/app-service.js';
import { FixtureError, type LoadedFixtures, loadFixtures } from '../services/fixture-file.js';
import { blobOptions, openStore } from '../store/open-store.js';
import type { User } from '../domain/directory.js';
import type { AppRegistration } from '../domain/identity.js';
import type { Tenant } from '../domain/tenant.js';
import type { Store } from '../store/store.js';

/** A mistake in how the command was called: exit code 2. */
export class UsageError extends InvalidArgumentError {}

export type Options = Record<string, unknown>;

export async function withStore<T>(opts: Options, work: (store: Store) => Promise<T>): Promise<T> {
  const config = storeConfig(opts);
  const store = await openStore(config.databaseUrl, blobOptions(config));
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** Prints `json` as one JSON object with --json, else the human-readable text. */
export function emit(opts: Options, json: object, human: string): void {
  process.stdout.write(opts['json'] ? `${JSON.stringify(json)}\n` : `${human}\n`);
}

/** `--json`: `{"value": [...]}` as Graph lists; otherwise one tab-separated line per item. */
export function emitList<T>(opts: Options, items: T[], json: (item: T) => object, line: (item: T) => string) {
  emit(opts, { value: items.map(json) }, items.map(line).join('\n'));
}

/** Fixtures from a JSON file, checked whole; what is wrong is a usage error naming its JSON pointer. */
export async function readFixtures(file: string): Promise<LoadedFixtures> {
  try {
    return await loadFixtures(file);
  } catch (error) {
    if (error instanceof FixtureError) throw new UsageError(`${file}: ${error.message}`);
    throw error;
  }
}

/** A store-using subcommand with --data, --database and --json. */
export function storeCommand(name: string, description: string): Command {
  const command = new Command(name).description(description).option('--json', 'print one JSON object');
  return addOptions(command, STORE_OPTIONS);
}

/** `--concurrency N`: how many things are done at once. */
export const concurrencyOption = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('a whole number from 1 to 64.');
  return n;
};

/** Repeatable option values accumulate into a list. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * What a service or parser refuses about the values given (a TypeError, or a Graph 400 from a
 * directory service's check), said as a usage error: on the command line, exit code 2.
 */
export function usageOf<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Directory role names (or template ids), as tokens carry them in `wids`. */
export function roleIds(names: string[]): string[] {
  return names.map((name) => {
    const role = findDirectoryRole(name);
    if (!role)
      throw new UsageError(`unknown directory role '${name}'; known roles: ${knownRoleNames().join(', ')}`);
    return role.templateId;
  });
}

/** Space- or comma-separated permission lists, as `scp` writes them. */
export const permissionList = (value: string) => value.split(/[\s,]+/).filter(Boolean);

/** Unknown permission names are a usage error (exit 2); the message lists the known ones. */
export async function permissionNamesChecked<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof PermissionNameError) throw new UsageError(error.message);
    throw error;
  }
}

// A person typed these names, so a miss is said in their words (not Graph's "Resource 'x' does
// not exist…"), with the command that lists what there is.

export async function namedTenant(store: Store, key: string): Promise<Tenant> {
  const tenant = await store.directory.findTenant(key);
  if (!tenant) throw new Error(`no tenant '${key}'; npx portrait tenant list shows the tenants`);
  return tenant;
}

/** A user, app or group the command named is not in the tenant. */
export const notInTenant = (kind: 'user' | 'app' | 'group', key: string, tenant: Tenant) =>
  new Error(
    `no ${kind} '${key}' in tenant ${tenant.name}; npx portrait ${kind} list --tenant ${tenant.name} shows its ${kind}s`,
  );

export async function namedUser(store: Store, tenant: Tenant, key: string): Promise<User> {
  const user = await store.directory.findUser(tenant.id, key);
  if (!user) throw notInTenant('user', key, tenant);
  return user;
}

export async function namedApp(store: Store, tenant: Tenant, key: string): Promise<AppRegistration> {
  const app = await store.apps.findApp(tenant.id, key);
  if (!app) throw notInTenant('app', key, tenant);
  return app;
}

/**
 * A progress bar on standard error when it is a terminal and the output is not --json; nothing
 * otherwise, so scripts and pipes see clean output (SPEC §1).
 */
export function progressBar(opts: Options, label: string): SingleBar | undefined {
  if (!process.stderr.isTTY || opts['json']) return undefined;
  return new SingleBar({
    stream: process.stderr,
    format: `${label} [{bar}] {value}/{total}{note}`,
    hideCursor: true,
  });
}

/** Counts, then one row per failure, in aligned columns. */
export function summaryTable(
  counts: [string, number][],
  failures: { name: string; error: string }[],
  nameHeading: string,
): string {
  const width = Math.max(...counts.map(([label]) => label.length));
  const lines = counts.map(([label, n]) => `${label.padEnd(width)}  ${n}`);
  if (failures.length > 0) {
    const column = Math.max(nameHeading.length, ...failures.map((f) => f.name.length));
    lines.push('', `${nameHeading.padEnd(column)}  reason`);
    for (const failure of failures) lines.push(`${failure.name.padEnd(column)}  ${failure.error}`);
  }
  return lines.join('\n');
}
