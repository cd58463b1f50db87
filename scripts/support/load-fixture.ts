// A tenant, its users and an app token, written straight into a store before a server starts on
// it: what the crash test and the soak test load the server with.
import { SigningKeys } from '../../src/auth/signing-keys.js';
import { mintAppToken, nameBasedGuid } from '../../src/auth/token-issuer.js';
import { DEFAULT_AUDIENCES } from '../../src/config.js';
import { issuerBaseOf } from '../../src/services/tokens.js';
import { openStore } from '../../src/store/open-store.js';
import type { User } from '../../src/domain/directory.js';
import type { Tenant } from '../../src/domain/tenant.js';

export interface LoadFixture {
  tenant: Tenant;
  users: User[];
  /** An app-only token with `roles`, valid for a day. */
  token: string;
}

export async function prepareFixture(
  database: string,
  name: string,
  owners: number,
  roles: string[],
): Promise<LoadFixture> {
  const store = await openStore(database);
  try {
    const tenant = await store.directory.createTenant({ name });
    const users: User[] = [];
    for (let i = 0; i < owners; i++) {
      users.push(
        await store.directory.createUser({
          tenantId: tenant.id,
          userPrincipalName: `owner${i}@${name}.example`,
          displayName: `Owner ${i}`,
          directoryRoles: [],
        }),
      );
    }
    const token = await mintAppToken(
      await SigningKeys.open(store.keys),
      { tenant, appId: nameBasedGuid('app', tenant.id, name), appName: name, roles },
      {
        issuerBase: await issuerBaseOf(store.keys),
        audience: DEFAULT_AUDIENCES[0]!,
        lifetimeSeconds: 24 * 3600,
      },
    );
    return { tenant, users, token };
  } finally {
    await store.close();
  }
}
