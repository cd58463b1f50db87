// App registrations, their secrets, user consents and authorization codes on any SQL backend.
import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type {
  AppRegistration,
  AuthorizationCode,
  ClientSecretRecord,
  NewApp,
} from '../../domain/identity.js';
import type { AppStore } from '../app-store.js';
import { DuplicateError } from '../store-errors.js';
import type { ApplicationsTable, SqlBackend } from './schema.js';
import { normaliseId, now, parseJson } from './sql-support.js';

const list = (json: string) => parseJson<string[]>(json, []);

const toApp = (row: Selectable<ApplicationsTable>): AppRegistration => ({
  id: row.id,
  tenantId: row.tenant_id,
  appId: row.app_id,
  displayName: row.display_name,
  requestedRoles: list(row.requested_roles),
  grantedRoles: list(row.granted_roles),
  grantedScopes: list(row.granted_scopes),
  redirectUris: list(row.redirect_uris),
  publicClient: Number(row.public_client) === 1,
  createdAt: row.created_at,
});

export class SqlAppStore implements AppStore {
  constructor(private readonly backend: SqlBackend) {}

  async createApp(input: NewApp): Promise<AppRegistration> {
    const row = {
      id: normaliseId(input.id ?? randomUUID()),
      tenant_id: input.tenantId,
      app_id: normaliseId(input.appId ?? randomUUID()),
      display_name: input.displayName,
      name_lower: input.displayName.toLowerCase(),
      requested_roles: JSON.stringify(input.requestedRoles ?? []),
      granted_roles: '[]',
      granted_scopes: '[]',
      redirect_uris: JSON.stringify(input.redirectUris ?? []),
      public_client: input.publicClient ? 1 : 0,
      created_at: now(),
    };
    return this.backend.writeTransaction(async (trx) => {
      const clash = await trx
        .selectFrom('applications')
        .select('id')
        .where('tenant_id', '=', row.tenant_id)
        .where('name_lower', '=', row.name_lower)
        .executeTakeFirst();
      if (clash)
        throw new DuplicateError(`An app named '${input.displayName}' already exists in this tenant.`);
      await trx.insertInto('applications').values(row).execute();
      return toApp(row);
    });
  }

  async findApp(tenantId: string, key: string): Promise<AppRegistration | undefined> {
    const lower = key.toLowerCase();
    const row = await this.backend.db
      .selectFrom('applications')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where((eb) => eb.or([eb('app_id', '=', lower), eb('id', '=', lower), eb('name_lower', '=', lower)]))
      .executeTakeFirst();
    return row && toApp(row);
  }

  async listApps(tenantId: string): Promise<AppRegistration[]> {
    const rows = await this.backend.db
      .selectFrom('applications')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('created_at')
      .execute();
    return rows.map(toApp);
  }

  async updateApp(
    tenantId: string,
    appId: string,
    change: Partial<
      Pick<AppRegistration, 'requestedRoles' | 'grantedRoles' | 'grantedScopes' | 'redirectUris'>
    >,
  ): Promise<AppRegistration> {
    return this.backend.writeTransaction(async (trx) => {
      const set: Partial<Selectable<ApplicationsTable>> = {};
      if (change.requestedRoles) set.requested_roles = JSON.stringify(change.requestedRoles);
      if (change.grantedRoles) set.granted_roles = JSON.stringify(change.grantedRoles);
      if (change.grantedScopes) set.granted_scopes = JSON.stringify(change.grantedScopes);
      if (change.redirectUris) set.redirect_uris = JSON.stringify(change.redirectUris);
      if (Object.keys(set).length > 0) {
        await trx
          .updateTable('applications')
          .set(set)
          .where('tenant_id', '=', tenantId)
          .where('app_id', '=', appId)
          .execute();
      }
      const row = await trx
        .selectFrom('applications')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('app_id', '=', appId)
        .executeTakeFirstOrThrow();
      return toApp(row);
    });
  }

  async deleteApp(tenantId: string, appId: string): Promise<boolean> {
    return this.backend.writeTransaction(async (trx) => {
      const app = await trx
        .selectFrom('applications')
        .select('id')
        .where('tenant_id', '=', tenantId)
        .where('app_id', '=', appId)
        .executeTakeFirst();
      if (!app) return false;
      await trx.deleteFrom('client_secrets').where('app_object_id', '=', app.id).execute();
      await trx
        .deleteFrom('user_consents')
        .where('tenant_id', '=', tenantId)
        .where('app_id', '=', appId)
        .execute();
      await trx
        .deleteFrom('authorization_codes')
        .where('tenant_id', '=', tenantId)
        .where('app_id', '=', appId)
        .execute();
      await trx.deleteFrom('applications').where('id', '=', app.id).execute();
      return true;
    });
  }

  async addClientSecret(record: ClientSecretRecord): Promise<void> {
    await this.backend.writeTransaction((trx) =>
      trx
        .insertInto('client_secrets')
        .values({
          id: record.id,
          app_object_id: record.appObjectId,
          hash: record.hash,
          hint: record.hint,
          created_at: record.createdAt,
          expires_at: record.expiresAt,
        })
        .execute(),
    );
  }

  async clientSecrets(appObjectId: string): Promise<ClientSecretRecord[]> {
    const rows = await this.backend.db
      .selectFrom('client_secrets')
      .selectAll()
      .where('app_object_id', '=', appObjectId)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      appObjectId: r.app_object_id,
      hash: r.hash,
      hint: r.hint,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
    }));
  }

  async userConsent(tenantId: string, appId: string, userId: string): Promise<string[]> {
    const row = await this.backend.db
      .selectFrom('user_consents')
      .select('scopes')
      .where('tenant_id', '=', tenantId)
      .where('app_id', '=', appId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row ? list(row.scopes) : [];
  }

  async consentedScopes(tenantId: string, appId: string): Promise<string[]> {
    const rows = await this.backend.db
      .selectFrom('user_consents')
      .select('scopes')
      .where('tenant_id', '=', tenantId)
      .where('app_id', '=', appId)
      .execute();
    return [...new Set(rows.flatMap((row) => list(row.scopes)))];
  }

  async recordUserConsent(tenantId: string, appId: string, userId: string, scopes: string[]): Promise<void> {
    await this.backend.writeTransaction(async (trx) => {
      await trx
        .deleteFrom('user_consents')
        .where('tenant_id', '=', tenantId)
        .where('app_id', '=', appId)
        .where('user_id', '=', userId)
        .execute();
      await trx
        .insertInto('user_consents')
        .values({ tenant_id: tenantId, app_id: appId, user_id: userId, scopes: JSON.stringify(scopes) })
        .execute();
    });
  }

  async saveAuthorizationCode(code: AuthorizationCode): Promise<void> {
    await this.backend.writeTransaction(async (trx) => {
      // Expired codes are swept whenever a new one is written.
      await trx
        .deleteFrom('authorization_codes')
        .where('expires_at', '<', Math.floor(Date.now() / 1000))
        .execute();
      await trx
        .insertInto('authorization_codes')
        .values({
          code_hash: code.codeHash,
          tenant_id: code.tenantId,
          app_id: code.appId,
          user_id: code.userId,
          scopes: JSON.stringify(code.scopes),
          redirect_uri: code.redirectUri,
          code_challenge: code.codeChallenge,
          nonce: code.nonce,
          expires_at: code.expiresAt,
        })
        .execute();
    });
  }

  async redeemAuthorizationCode(codeHash: string): Promise<AuthorizationCode | undefined> {
    return this.backend.writeTransaction(async (trx) => {
      const row = await trx
        .selectFrom('authorization_codes')
        .selectAll()
        .where('code_hash', '=', codeHash)
        .executeTakeFirst();
      if (!row) return undefined;
      await trx.deleteFrom('authorization_codes').where('code_hash', '=', codeHash).execute();
      return {
        codeHash: row.code_hash,
        tenantId: row.tenant_id,
        appId: row.app_id,
        userId: row.user_id,
        scopes: list(row.scopes),
        redirectUri: row.redirect_uri,
        codeChallenge: row.code_challenge,
        nonce: row.nonce,
        expiresAt: Number(row.expires_at),
      };
    });
  }
}
