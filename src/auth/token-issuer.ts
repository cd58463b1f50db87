// Mints access tokens from the built-in issuer, shaped like Entra ID's (SPEC §5): `portrait token`
// uses it now, the token endpoint and console sign-in will too.
import { createHash, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { User } from '../domain/directory.js';
import type { Tenant } from '../domain/tenant.js';
import { SIGNING_ALG, type SigningKeys } from './signing-keys.js';

/** Microsoft Graph's resource URI: the audience clients ask for with `https://graph.microsoft.com/.default`. */
export const GRAPH_AUDIENCE = 'https://graph.microsoft.com';
/** Microsoft Graph's application id, which Entra also puts in `aud`. */
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
/** The client id `portrait token` stands in for when minting delegated tokens. */
export const PORTRAIT_CLI_APP_ID = 'a7c1e0c4-52a4-4b40-9a6f-6c0f7f3f5e01';

/** The issuer (`iss`) of the built-in issuer for a tenant: `{base}/{tenant}/v2.0`, as Entra's. */
export const issuerFor = (issuerBase: string, tenantId: string) =>
  `${issuerBase.replace(/\/+$/, '')}/${tenantId}/v2.0`;

/** A stable GUID for a name, so `--app NAME` names the same app every time. */
export function nameBasedGuid(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export interface TokenOptions {
  issuerBase: string;
  audience: string;
  lifetimeSeconds: number;
}

export interface DelegatedGrant {
  tenant: Tenant;
  user: User;
  scopes: readonly string[];
  clientAppId?: string;
  clientAppName?: string;
}

export interface AppGrant {
  tenant: Tenant;
  appId: string;
  appName: string;
  roles: readonly string[];
}

async function sign(
  keys: SigningKeys,
  claims: Record<string, unknown>,
  tenantId: string,
  options: TokenOptions,
) {
  const { kid, privateKey } = await keys.signingKey();
  const now = Math.floor(Date.now() / 1000);
  const exp = now + options.lifetimeSeconds;
  const token = await new SignJWT({ ...claims, tid: tenantId, ver: '2.0', uti: randomUUID() })
    .setProtectedHeader({ alg: SIGNING_ALG, typ: 'JWT', kid })
    .setIssuer(issuerFor(options.issuerBase, tenantId))
    .setAudience(options.audience)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(exp)
    .sign(privateKey);
  // A rotated key stays published until this token has expired.
  await keys.noteExpiry(kid, exp);
  return token;
}

export function mintDelegatedToken(
  keys: SigningKeys,
  grant: DelegatedGrant,
  options: TokenOptions,
): Promise<string> {
  const { user } = grant;
  const appId = grant.clientAppId ?? PORTRAIT_CLI_APP_ID;
  return sign(
    keys,
    {
      sub: user.id,
      oid: user.id,
      idtyp: 'user',
      scp: grant.scopes.join(' '),
      wids: user.directoryRoles,
      upn: user.userPrincipalName,
      preferred_username: user.userPrincipalName,
      name: user.displayName,
      azp: appId,
      appid: appId,
      app_displayname: grant.clientAppName ?? 'Portrait CLI',
    },
    grant.tenant.id,
    options,
  );
}

export function mintAppToken(keys: SigningKeys, grant: AppGrant, options: TokenOptions): Promise<string> {
  const servicePrincipalId = nameBasedGuid('service-principal', grant.tenant.id, grant.appId);
  return sign(
    keys,
    {
      sub: servicePrincipalId,
      oid: servicePrincipalId,
      idtyp: 'app',
      // Entra leaves `roles` out when the app holds none.
      ...(grant.roles.length > 0 ? { roles: [...grant.roles] } : {}),
      azp: grant.appId,
      appid: grant.appId,
      app_displayname: grant.appName,
    },
    grant.tenant.id,
    options,
  );
}

/** The OpenID Connect ID token of a sign-in: for the client (aud = its client id), not for Graph. */
export function mintIdToken(
  keys: SigningKeys,
  grant: { tenant: Tenant; user: User; clientAppId: string; nonce: string | null },
  options: Omit<TokenOptions, 'audience'>,
): Promise<string> {
  const { user } = grant;
  return sign(
    keys,
    {
      sub: user.id,
      oid: user.id,
      name: user.displayName,
      preferred_username: user.userPrincipalName,
      ...(user.mail ? { email: user.mail } : {}),
      ...(grant.nonce ? { nonce: grant.nonce } : {}),
    },
    grant.tenant.id,
    { ...options, audience: grant.clientAppId },
  );
}
