// Verifies tokens of Portrait's own issuer: `iss` is `{base}/{tenant}/v2.0` for a base this
// installation is known by, the key is one of the store's, and the claims are Entra's.
import { jwtVerify, type JWTPayload } from 'jose';
import { invalidToken } from '../errors.js';
import type { DirectoryStore } from '../store/directory-store.js';
import { CONSUMER_TENANT_ID, type Caller } from './caller.js';
import { explainJoseError, scopeList, stringList } from './claims.js';
import { SIGNING_ALG, type SigningKeys } from './signing-keys.js';
import { issuerFor } from './token-issuer.js';
import type { Authenticated, IssuerVerifier, VerifyOptions } from './verification.js';

export class BuiltInIssuer implements IssuerVerifier {
  constructor(
    private readonly keys: SigningKeys,
    private readonly directory: DirectoryStore,
    /** Bases the issuer is known by; the server adds its public URL once it listens. */
    readonly bases: Set<string>,
  ) {}

  handles(iss: string, payload: JWTPayload): boolean {
    const tid = String(payload['tid'] ?? '').toLowerCase();
    return [...this.bases].some((base) => issuerFor(base, tid) === iss);
  }

  async verify(token: string, kid: string | undefined, options: VerifyOptions): Promise<Authenticated> {
    if (kid === undefined || !(await this.keys.knows(kid))) {
      throw invalidToken('The token was not signed by a key this service trusts.');
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys.verificationKey, {
        algorithms: [SIGNING_ALG],
        audience: [...options.audiences],
        clockTolerance: options.clockToleranceSeconds,
        ...(options.currentDate ? { currentDate: options.currentDate } : {}),
        requiredClaims: ['exp', 'tid', 'iss', 'aud'],
      }));
    } catch (error) {
      throw explainJoseError(error);
    }
    return this.toCaller(payload);
  }

  private async toCaller(payload: JWTPayload): Promise<Authenticated> {
    const tenantId = String(payload['tid']).toLowerCase();
    const tenant = await this.directory.findTenant(tenantId);
    if (!tenant || tenant.id !== tenantId)
      throw invalidToken("The token's tenant is not known to this service.");
    const scopes = scopeList(payload['scp']);
    const roles = stringList(payload['roles']);
    const isApp = scopes === undefined && (roles.length > 0 || payload['idtyp'] === 'app');
    const objectId = String(payload['oid'] ?? payload.sub ?? '').toLowerCase();
    if (!objectId) throw invalidToken('The token has no object id (oid) claim.');
    if (!isApp && !(await this.directory.findUser(tenant.id, objectId))) {
      throw invalidToken('The signed-in user of this token no longer exists.');
    }
    const caller: Caller = {
      tenantId: tenant.id,
      type: isApp ? 'application' : 'delegated',
      personalAccount: tenant.id === CONSUMER_TENANT_ID,
      objectId,
      appId: String(payload['appid'] ?? payload['azp'] ?? ''),
      permissions: isApp ? roles : (scopes ?? []),
      directoryRoles: stringList(payload['wids']).map((w) => w.toLowerCase()),
    };
    return { caller, tenant };
  }
}
