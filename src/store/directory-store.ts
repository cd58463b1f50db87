// The directory port: tenants and users, each change in one transaction of its own.
import type { NewUser, User, UserFields } from '../domain/directory.js';
import type { ListQuery, Page } from '../domain/listing.js';
import type { NewTenant, Tenant, TenantSettings } from '../domain/tenant.js';

export interface DirectoryStore {
  createTenant(input: NewTenant): Promise<Tenant>;
  /** By id, or by name (any case). */
  findTenant(idOrName: string): Promise<Tenant | undefined>;
  listTenants(): Promise<Tenant[]>;
  updateTenantSettings(tenantId: string, settings: Partial<TenantSettings>): Promise<Tenant>;
  /** True when no tenant exists yet (a fresh store). */
  isEmpty(): Promise<boolean>;
  /** Throws DuplicateError when the userPrincipalName is taken in the tenant. */
  createUser(input: NewUser): Promise<User>;
  /** By object id, or by userPrincipalName (any case), within the tenant only. */
  findUser(tenantId: string, idOrUpn: string): Promise<User | undefined>;
  /** By mail address (any case), within the tenant only. */
  findUserByMail(tenantId: string, mail: string): Promise<User | undefined>;
  listUsers(tenantId: string, query: ListQuery): Promise<Page<User>>;
  /** Throws DuplicateError when a new userPrincipalName is taken. */
  updateUser(tenantId: string, userId: string, change: Partial<UserFields>): Promise<User>;
  /** Sets (or with null, removes) the user's sign-in password hash. */
  setPasswordHash(tenantId: string, userId: string, hash: string | null): Promise<void>;
  passwordHash(tenantId: string, userId: string): Promise<string | null>;
  /** Deletes the user with their photo, contacts (and their photos) and memberships. */
  deleteUser(tenantId: string, userId: string): Promise<boolean>;
}
