// Users (SPEC §6): the one place a user is created, changed, renamed, given or denied a password,
// and deleted. The API routes, the CLI, the user import and the demo tenant call these; each change
// is one store transaction (a user and their password hash together; a delete with its photo,
// contacts and memberships), and what is refused is refused with SPEC §9's Graph error.
import { hashPassword, MIN_PASSWORD_LENGTH } from '../auth/credentials.js';
import type { User, UserFields } from '../domain/directory.js';
import { directoryBadRequest, resourceNotFound } from '../errors.js';
import { checkLengths } from '../graph/property-limits.js';
import type { DirectoryStore, UserCredentials } from '../store/directory-store.js';
import { DuplicateError } from '../store/store-errors.js';

/** `name@domain`: the shape a userPrincipalName must have, with at most 64 characters before the @. */
export const isUserPrincipalName = (text: string) => /^[^@\s]{1,64}@[^@\s]+$/.test(text);

/** What a caller gives to create or change a user: any of its fields, and a sign-in password. */
export interface UserInput extends Partial<UserFields> {
  /** A sign-in password for the built-in issuer; stored as a hash only. */
  password?: string;
}

/** The user a key names in the tenant (object id or userPrincipalName), or Graph's 404. */
export async function requireUser(
  directory: DirectoryStore,
  tenantId: string,
  idOrUpn: string,
): Promise<User> {
  const user = await directory.findUser(tenantId, idOrUpn);
  if (!user) throw resourceNotFound(idOrUpn);
  return user;
}

/** The properties of `fields` that differ from the user's (lists compared by value). */
export function changedFields(user: User, fields: Partial<UserFields>): Partial<UserFields> {
  const changed: Partial<UserFields> = {};
  for (const [key, value] of Object.entries(fields) as [keyof UserFields, never][]) {
    if (JSON.stringify(user[key]) !== JSON.stringify(value)) changed[key] = value;
  }
  return changed;
}

/** Throws Graph's 400 for a password too short to be kept. */
export function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw directoryBadRequest(`A password needs at least ${MIN_PASSWORD_LENGTH} characters.`);
  }
}

/** Throws Graph's 400 naming the first thing wrong with `input`: a UPN's shape, a length, a password. */
export function checkUserInput(input: UserInput): void {
  const upn = input.userPrincipalName;
  if (upn !== undefined && !isUserPrincipalName(upn)) {
    throw directoryBadRequest(
      `Invalid value specified for property 'userPrincipalName' of resource 'User': use name@domain, with at most 64 characters before the @.`,
    );
  }
  if (input.displayName !== undefined && input.displayName.trim() === '') {
    throw directoryBadRequest(`Invalid value specified for property 'displayName' of resource 'User'.`);
  }
  checkLengths('User', input);
  if (input.password !== undefined) checkPassword(input.password);
}

const duplicateUpn = () =>
  directoryBadRequest('Another object with the same value for property userPrincipalName already exists.');

/** The store's refusal of a taken userPrincipalName (or a fixed id in use), in Graph's words. */
function refusingDuplicates<T>(write: Promise<T>, fixedId?: string): Promise<T> {
  return write.catch((error: unknown) => {
    if (!(error instanceof DuplicateError)) throw error;
    throw fixedId
      ? directoryBadRequest(
          `Another object with the id '${fixedId}' or the same userPrincipalName already exists.`,
        )
      : duplicateUpn();
  });
}

const credentialsOf = async (password: string | undefined): Promise<UserCredentials | undefined> =>
  password === undefined ? undefined : { passwordHash: await hashPassword(password) };

/**
 * Creates a user in the tenant: a fixed object id when given (e.g. the person's id elsewhere),
 * directory roles, and a password, all in one transaction.
 */
export async function createUser(
  directory: DirectoryStore,
  tenantId: string,
  input: UserInput & { userPrincipalName: string; displayName: string; id?: string },
): Promise<User> {
  checkUserInput(input);
  const { password, ...fields } = input;
  const credentials = await credentialsOf(password);
  return refusingDuplicates(directory.createUser({ ...fields, tenantId }, credentials), input.id);
}

/**
 * Creates many users (no passwords) in one transaction, or none: Graph's 400 names the first
 * taken userPrincipalName or id. Checked as createUser checks each.
 */
export async function createUsers(
  directory: DirectoryStore,
  tenantId: string,
  inputs: readonly (Partial<UserFields> & { userPrincipalName: string; displayName: string; id?: string })[],
): Promise<User[]> {
  for (const input of inputs) checkUserInput(input);
  return refusingDuplicates(directory.createUsers(inputs.map((input) => ({ ...input, tenantId }))));
}

/** Changes a user's fields (a new userPrincipalName renames them; the id stays), and their password. */
export async function updateUser(directory: DirectoryStore, user: User, change: UserInput): Promise<User> {
  checkUserInput(change);
  const { password, ...fields } = change;
  const credentials = await credentialsOf(password);
  return refusingDuplicates(directory.updateUser(user.tenantId, user.id, fields, credentials));
}

/** Sets the password a user signs in with, or with null removes it (they cannot sign in). */
export async function setPassword(
  directory: DirectoryStore,
  user: User,
  password: string | null,
): Promise<void> {
  if (password !== null) checkPassword(password);
  const passwordHash = password === null ? null : await hashPassword(password);
  await directory.updateUser(user.tenantId, user.id, {}, { passwordHash });
}

/** Deletes a user with their photo, their contacts (and those photos) and their memberships. */
export async function deleteUser(directory: DirectoryStore, user: User): Promise<void> {
  if (!(await directory.deleteUser(user.tenantId, user.id))) throw resourceNotFound(user.id);
}
