// Tokens of an outside OpenID Connect provider (--trust-issuer): Keycloak, Entra ID with an API of
// your own, any issuer with discovery. Its JWKS is fetched once, cached, and refetched when a
// token names an unknown `kid` (at most every 30 s, so forged kids cannot hammer the IdP).
// Claims are mapped per issuer: the tenant, the user, where scopes and roles are.
import { createRemoteJWKSet, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { Logger } from 'pino';
import { invalidToken } from '../errors.js';
import type { User } from '../domain/directory.js';
import type { Tenant } from '../domain/tenant.js';
import type { DirectoryStore } from '../store/directory-store.js';
import { CONSUMER_TENANT_ID, type Caller } from './caller.js';
import { claimAt, explainJoseError, scopeList, stringList } from './claims.js';
import {
  ASYMMETRIC_ALGORITHMS,
  type Authenticated,
  type IssuerVerifier,
  type VerifyOptions,
} from './verification.js';

export interface TrustedIssuerConfig {
  /** The issuer identifier, exactly as the provider's tokens carry it in `iss`. */
  issuer: string;
  /** The Portrait tenant (id or name) its callers belong to; else the token's `tid` must name one. */
  tenant?: string;
  /** Accepted `aud` values; the server's audiences when unset. */
  audiences?: string[];
  /** The claim naming the directory user (matched to id, userPrincipalName, or mail); tried in turn when unset. */
  userClaim?: string;
  /** Where application permissions are, dotted (e.g. `realm_access.roles`); `roles` when unset. */
  rolesClaim?: string;
  /** Where delegated scopes are; `scp`, then `scope`, when unset. */
  scopesClaim?: string;
  /** Least time between two JWKS fetches, however many unknown kids arrive; 30 s when unset. */
  jwksCooldownSeconds?: number;
}

const DISCOVERY_RETRY_MS = 10_000;

export class ExternalIssuer implements IssuerVerifier {
  private jwks?: JWTVerifyGetKey;
  private pending?: Promise<JWTVerifyGetKey>;
  private failedAt = 0;

  constructor(
    readonly config: TrustedIssuerConfig,
    private readonly directory: DirectoryStore,
    private readonly log: Logger,
  ) {}

  handles(iss: string): boolean {
    return iss === this.config.issuer;
  }

  /** OIDC discovery, then a remote JWKS jose caches and refetches on unknown kids. */
  private keySet(): Promise<JWTVerifyGetKey> {
    if (this.jwks) return Promise.resolve(this.jwks);
    if (Date.now() - this.failedAt < DISCOVERY_RETRY_MS) {
      return Promise.reject(
        invalidToken("The token issuer's signing keys are unavailable; try again shortly."),
      );
    }
    this.pending ??= this.discover()
      .then((jwks) => {
        this.jwks = jwks;
        return jwks;
      })
      .catch((error: unknown) => {
        this.failedAt = Date.now();
        this.log.warn({ err: error, issuer: this.config.issuer }, 'OIDC discovery failed');
        throw invalidToken("The token issuer's signing keys are unavailable; try again shortly.");
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }

  private async discover(): Promise<JWTVerifyGetKey> {
    const url = `${this.config.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    const metadata = (await response.json()) as { issuer?: string; jwks_uri?: string };
    if (metadata.issuer !== this.config.issuer) {
      throw new Error(`${url} names issuer '${metadata.issuer}', not '${this.config.issuer}'`);
    }
    if (!metadata.jwks_uri) throw new Error(`${url} has no jwks_uri`);
    return createRemoteJWKSet(new URL(metadata.jwks_uri), {
      cooldownDuration: (this.config.jwksCooldownSeconds ?? 30) * 1000,
      cacheMaxAge: 10 * 60_000,
      timeoutDuration: 5000,
    });
  }

  async verify(token: string, _kid: string | undefined, options: VerifyOptions): Promise<Authenticated> {
    const jwks = await this.keySet();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        issuer: this.config.issuer,
        audience: this.config.audiences ?? [...options.audiences],
        algorithms: ASYMMETRIC_ALGORITHMS,
        clockTolerance: options.clockToleranceSeconds,
        ...(options.currentDate ? { currentDate: options.currentDate } : {}),
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      throw explainJoseError(error);
    }
    const tenant = await this.tenantOf(payload);
    const user = await this.userOf(tenant, payload);
    const roles = stringList(claimAt(payload, this.config.rolesClaim ?? 'roles'));
    const appId = String(payload['azp'] ?? payload['client_id'] ?? payload['appid'] ?? '');
    if (!user && roles.length === 0 && payload['idtyp'] !== 'app') {
      throw invalidToken(
        `The token's subject is not a user of tenant '${tenant.name}', and it carries no application roles.`,
      );
    }
    const caller: Caller = user
      ? {
          tenantId: tenant.id,
          type: 'delegated',
          personalAccount: tenant.id === CONSUMER_TENANT_ID,
          objectId: user.id,
          appId,
          permissions: this.scopes(payload),
          directoryRoles: [...new Set([...user.directoryRoles, ...stringList(payload['wids'])])].map((w) =>
            w.toLowerCase(),
          ),
        }
      : {
          tenantId: tenant.id,
          type: 'application',
          personalAccount: false,
          objectId: String(payload.sub ?? appId),
          appId,
          permissions: roles,
          directoryRoles: [],
        };
    return { caller, tenant };
  }

  private scopes(payload: JWTPayload): string[] {
    const claim = this.config.scopesClaim;
    return (
      (claim
        ? scopeList(claimAt(payload, claim))
        : (scopeList(payload['scp']) ?? scopeList(payload['scope']))) ?? []
    );
  }

  private async tenantOf(payload: JWTPayload): Promise<Tenant> {
    const key = this.config.tenant ?? (typeof payload['tid'] === 'string' ? payload['tid'] : undefined);
    const tenant = key ? await this.directory.findTenant(key) : undefined;
    if (!tenant || (!this.config.tenant && tenant.id !== key?.toLowerCase())) {
      throw invalidToken('The token issuer is not mapped to a tenant of this service.');
    }
    return tenant;
  }

  /** The directory user the token speaks for, by the configured claim or by oid, UPN and email in turn. */
  private async userOf(tenant: Tenant, payload: JWTPayload): Promise<User | undefined> {
    const claims = this.config.userClaim
      ? [this.config.userClaim]
      : ['oid', 'upn', 'preferred_username', 'email'];
    for (const claim of claims) {
      const value = claimAt(payload, claim);
      if (typeof value !== 'string' || value === '') continue;
      const user =
        (await this.directory.findUser(tenant.id, value)) ??
        (await this.directory.findUserByMail(tenant.id, value));
      if (user) return user;
    }
    return undefined;
  }
}

/** `URL key=value …` as --trust-issuer takes it. */
export function parseTrustedIssuer(text: string): TrustedIssuerConfig {
  const [issuer, ...settings] = text.trim().split(/\s+/);
  if (!issuer || !/^https?:\/\//.test(issuer)) {
    throw new TypeError(
      "The issuer URL comes first, then settings: e.g. 'https://idp.example/realms/acme tenant=acme'.",
    );
  }
  const config: TrustedIssuerConfig = { issuer };
  for (const setting of settings) {
    const [key, value] = setting.split('=', 2) as [string, string | undefined];
    if (!value) throw new TypeError(`Its setting '${setting}' must be key=value, e.g. tenant=acme.`);
    switch (key) {
      case 'tenant':
        config.tenant = value;
        break;
      case 'audience':
        config.audiences = [...(config.audiences ?? []), value];
        break;
      case 'user-claim':
        config.userClaim = value;
        break;
      case 'roles-claim':
        config.rolesClaim = value;
        break;
      case 'scopes-claim':
        config.scopesClaim = value;
        break;
      case 'jwks-cooldown': {
        const seconds = Number(value);
        if (!(seconds >= 0))
          throw new TypeError(`jwks-cooldown takes seconds, e.g. jwks-cooldown=30; '${value}' is not.`);
        config.jwksCooldownSeconds = seconds;
        break;
      }
      default:
        throw new TypeError(
          `Its setting '${key}' is unknown; use tenant, audience, user-claim, roles-claim, scopes-claim or jwks-cooldown.`,
        );
    }
  }
  return config;
}
