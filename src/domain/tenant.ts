// A tenant and its settings (SPEC §5, §8): what every layer knows of an organisation.

/** The demo tenant `npm start` creates in an empty store (SPEC §1); the console's sign-in names it. */
export const DEMO_TENANT_NAME = 'contoso';

export interface TenantSettings {
  /** An Azure AD B2C tenant: Graph does not serve user photos there, and neither does Portrait. */
  b2c: boolean;
  /**
   * What metadata GETs of a missing photo answer: `notFound` (404 ImageNotFound, what the live
   * service does) or `placeholder` (the 1X1 image/gif with an empty mediaEtag the docs show).
   */
  missingPhotoMetadata: 'notFound' | 'placeholder';
  /**
   * Browser origins allowed to call the API with this tenant's tokens (CORS): `*` for any, as
   * Graph answers, or a list of origins such as `https://app.contoso.com`.
   */
  corsOrigins: '*' | string[];
  /**
   * Whether `/avatar/{hash}` serves this tenant's users' photos to anyone (`public`), or acts as
   * if they had none (`off`, the default).
   */
  avatars: 'off' | 'public';
  /**
   * Graph beta's photoUpdateSettings: where photos are managed (`cloud`) and, when not empty, the
   * directory roles (template ids) a delegated caller needs to change a user photo.
   */
  photoUpdateSettings: { source: 'cloud'; allowedRoles: string[] };
  /** Simulated failures for client resilience tests (`--faults`); null when off. */
  faults: FaultSettings | null;
  /** People sign in through the organisation's OpenID provider (SPEC §12); null when off. */
  signInProvider: SignInProvider | null;
  /** People and photos kept in step with an LDAP directory (SPEC §13); null when off. */
  ldap: LdapSource | null;
}

/** The user properties a directory sync fills from an entry's attributes. */
export const SYNCED_USER_PROPERTIES = [
  'userPrincipalName',
  'displayName',
  'mail',
  'givenName',
  'surname',
  'jobTitle',
] as const;
export type SyncedUserProperty = (typeof SYNCED_USER_PROPERTIES)[number];

/**
 * An LDAP or Active Directory a tenant's people come from (SPEC §13). Null fields are detected or
 * defaulted at each sync; the bind password is read from the environment, never stored.
 */
export interface LdapSource {
  /** `ldap://host:389` or `ldaps://host:636`. */
  url: string;
  baseDn: string;
  bindDn: string | null;
  bindPasswordEnv: string | null;
  /** LDAP filter; null: `(|(objectClass=inetOrgPerson)(objectClass=user))`. */
  filter: string | null;
  /** Portrait property → LDAP attribute, where it differs from the defaults; `''` maps nothing. */
  map: Partial<Record<SyncedUserProperty, string>>;
  /** The attribute naming an entry for good; null: `objectGUID` when present, else `entryUUID`. */
  anchor: string | null;
  /** null: `thumbnailPhoto` when the server's schema has it, else `jpegPhoto`. */
  photoAttribute: string | null;
  /** Where photos changed in Portrait are written back; null: never. */
  writePhotos: string | null;
  deleteMissing: boolean;
  startTls: boolean;
  /** A PEM file of the CA the server's certificate is checked against; null: the system's. */
  caFile: string | null;
  /** `portrait serve` syncs this often; null: only when `portrait directory sync` runs. */
  everySeconds: number | null;
}

/** An upstream OpenID Connect provider Portrait is a relying party of (SPEC §12). */
export interface SignInProvider {
  /** Discovered at `${issuer}/.well-known/openid-configuration`. */
  issuer: string;
  clientId: string;
  /** The environment variable each server reads the client secret from; the secret is never stored. */
  clientSecretEnv: string;
  /** "Sign in with NAME"; the issuer's host by default. */
  name: string;
  scopes: string[];
  /** The ID token claim that names the person: matched to object id, UPN or mail. */
  userClaim: string;
  /** `jit` creates an unknown person; `existing` (default) turns them away. */
  provision: 'jit' | 'existing';
  /** The claim listing the person's groups or roles; null: no role mapping. */
  rolesClaim: string | null;
  /** A value of `rolesClaim` → the directory roles (template ids) it gives. */
  roleMap: Record<string, string[]>;
  /** Whether password sign-in stays open beside the provider. */
  passwords: boolean;
}

/** Shares (0..1) of a tenant's API requests answered with each error, and a delay for the rest. */
export interface FaultSettings {
  tooManyRequests: number;
  serviceUnavailable: number;
  gatewayTimeout: number;
  delayMs: number;
  /** What 429 and 503 tell clients to wait. */
  retryAfterSeconds: number;
  /** Makes the sequence of faults repeatable; random when null. */
  seed: number | null;
  /** When these faults were set: a seeded sequence starts again from then. */
  setAt: string;
}

export const DEFAULT_TENANT_SETTINGS: TenantSettings = {
  b2c: false,
  missingPhotoMetadata: 'notFound',
  corsOrigins: '*',
  photoUpdateSettings: { source: 'cloud', allowedRoles: [] },
  faults: null,
  avatars: 'off',
  signInProvider: null,
  ldap: null,
};

export interface Tenant {
  id: string;
  name: string;
  createdAt: string;
  settings: TenantSettings;
}

export interface NewTenant {
  name: string;
  id?: string;
  /** Settings that differ from the defaults. */
  settings?: Partial<TenantSettings>;
}
