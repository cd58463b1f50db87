// The verification cache (SPEC §5 checks, kept fast): a verified token is remembered for at most
// a minute and never past its own expiry, and a deleted user's token is refused at once all the
// same. Real issuer, real store, a moved clock, and a count of the signature checks.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BuiltInIssuer } from '../../src/auth/built-in-issuer.js';
import { SigningKeys } from '../../src/auth/signing-keys.js';
import { mintDelegatedToken } from '../../src/auth/token-issuer.js';
import { TokenVerifier } from '../../src/auth/token-verifier.js';
import { GraphError } from '../../src/errors.js';
import { openStore } from '../../src/store/open-store.js';
import type { Tenant } from '../../src/domain/tenant.js';
import type { Store } from '../../src/store/store.js';

const BASE = 'https://localhost:8443';

describe('token verification cache', () => {
  let store: Store;
  let keys: SigningKeys;
  let tenant: Tenant;
  let now: number;
  let verifier: TokenVerifier;
  let verifications = 0;

  before(async () => {
    store = await openStore('sqlite::memory:');
    keys = await SigningKeys.open(store.keys);
    tenant = await store.directory.createTenant({ name: 'cache' });
    now = Date.now();
    const issuer = new BuiltInIssuer(keys, store.directory, new Set([BASE]));
    verifier = new TokenVerifier(
      [
        {
          handles: (iss, payload) => issuer.handles(iss, payload),
          verify: (...args) => {
            verifications++;
            return issuer.verify(...args);
          },
        },
      ],
      store.directory,
      { audiences: ['https://graph.microsoft.com'], clockToleranceSeconds: 60 },
      () => now,
    );
  });
  after(() => store.close());

  const mint = async (userUpn: string, lifetimeSeconds: number) => {
    const user = await store.directory.createUser({
      tenantId: tenant.id,
      userPrincipalName: userUpn,
      displayName: userUpn,
    });
    const token = await mintDelegatedToken(
      keys,
      { tenant, user, scopes: ['User.Read'] },
      { issuerBase: BASE, audience: 'https://graph.microsoft.com', lifetimeSeconds },
    );
    return { user, header: `Bearer ${token}` };
  };

  const refused = async (header: string) =>
    assert.rejects(
      verifier.authenticate(header),
      (e: unknown) => e instanceof GraphError && e.status === 401,
    );

  it('serves a verified token from memory for up to a minute, then checks it again', async () => {
    const { user, header } = await mint('stayer@cache.example', 3600);
    const before = verifications;
    assert.equal((await verifier.authenticate(header)).caller.objectId, user.id);
    now += 30_000;
    assert.equal((await verifier.authenticate(header)).caller.objectId, user.id);
    assert.equal(verifications - before, 1, 'remembered at 30 s');
    now += 31_000;
    await verifier.authenticate(header);
    assert.equal(verifications - before, 2, 'checked again after a minute');
  });

  it('refuses a remembered token at once when its user is deleted', async () => {
    const { user, header } = await mint('leaver@cache.example', 3600);
    await verifier.authenticate(header);
    await store.directory.deleteUser(tenant.id, user.id);
    await refused(header);
  });

  it('never remembers a token past its expiry', async () => {
    const { header } = await mint('short@cache.example', 20);
    await verifier.authenticate(header);
    now += 21_000 + 60_000; // past exp and the clock skew the verifier allows
    await refused(header);
  });

  it('does not remember refusals', async () => {
    await refused('Bearer not.a.token');
    await refused('Bearer not.a.token');
  });
});
