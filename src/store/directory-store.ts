// The directory port: tenants and users, each change in one transaction of its own.
import type { NewUser, User, UserFields } from '../domain/directory.js';
import type { ListQuery, Page } from '../domain/listing.js';
import type { NewTenant, Tenant, TenantSettings } from '../domain/tenant.js';

/** A user's sign-in secret as stored: a password hash (auth/credentials.ts), or null for none. */
export interface UserCredentials {
  passwordHash: string | null;
}

export interface DirectoryStore {
  createTenant(input: NewTenant): Promise<Tenant>;
  /** By id, or by name (any case). */
  findTenant(idOrName: string): Promise<Tenant | undefined>;
  listTenants(): Promise<Tenant[]>;
  updateTenantSettings(tenantId: string, settings: Partial<TenantSettings>): Promise<Tenant>;
  /** True when no tenant exists yet (a fresh store). */
  isEmpty(): Promise<boolean>;
  /**
   * Creates the user and, when given, their sign-in password hash, in one transaction. Throws
   * DuplicateError when the userPrincipalName (or the id) is taken in the tenant.
   */
  createUser(input: NewUser, credentials?: UserCredentials): Promise<User>;
  /**
   * Creates every user in one transaction (a directory sync's new people), or none: DuplicateError
   * when any userPrincipalName or id is taken, in the tenant or twice in `inputs`.
   */
  createUsers(inputs: readonly NewUser[]): Promise<User[]>;
  /** By object id, or by userPrincipalName (any case), within the tenant only. */
  findUser(tenantId: string, idOrUpn: string): Promise<User | undefined>;
  /** By mail address (any case), within the tenant only. */
  findUserByMail(tenantId: string, mail: string): Promise<User | undefined>;
  listUsers(tenantId: string, query: ListQuery): Promise<Page<User>>;
  /**
   * Changes the user's fields and, when given, sets (null: removes) their password hash, in one
   * transaction. Throws DuplicateError when a new userPrincipalName is taken.
   */
  updateUser(
    tenantId: string,
    userId: string,
    change: Partial<UserFields>,
    credentials?: UserCredentials,
  ): Promise<User>;
  passwordHash(tenantId: string, userId: string): Promise<string | null>;
  /** Deletes the user with their photo, contacts (and their photos) and memberships. */
  deleteUser(tenantId: string, userId: string): Promise<boolean>;
}
