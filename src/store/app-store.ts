// The app registrations port: apps, secrets, consents and authorization codes.
import type { AppRegistration, AuthorizationCode, ClientSecretRecord, NewApp } from '../domain/identity.js';

export interface AppStore {
  createApp(input: NewApp): Promise<AppRegistration>;
  /** By client id, object id or display name (any case), within the tenant. */
  findApp(tenantId: string, key: string): Promise<AppRegistration | undefined>;
  listApps(tenantId: string): Promise<AppRegistration[]>;
  updateApp(
    tenantId: string,
    appId: string,
    change: Partial<
      Pick<AppRegistration, 'requestedRoles' | 'grantedRoles' | 'grantedScopes' | 'redirectUris'>
    >,
  ): Promise<AppRegistration>;
  deleteApp(tenantId: string, appId: string): Promise<boolean>;
  addClientSecret(record: ClientSecretRecord): Promise<void>;
  clientSecrets(appObjectId: string): Promise<ClientSecretRecord[]>;
  /** Scopes the user has consented to for the app. */
  userConsent(tenantId: string, appId: string, userId: string): Promise<string[]>;
  /** Every scope any user of the tenant has consented to for the app. */
  consentedScopes(tenantId: string, appId: string): Promise<string[]>;
  recordUserConsent(tenantId: string, appId: string, userId: string, scopes: string[]): Promise<void>;
  saveAuthorizationCode(code: AuthorizationCode): Promise<void>;
  /** Returns the code and deletes it in one step: a code is good once. */
  redeemAuthorizationCode(codeHash: string): Promise<AuthorizationCode | undefined>;
}
