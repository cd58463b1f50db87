// A real Portrait server for a test file: fresh data dir, real SQLite file (or, with
// PORTRAIT_TEST_DATABASE=postgres, a fresh PostgreSQL database dropped at close), real HTTPS on a
// free port with the generated CA trusted by the client, and helpers to populate the directory and
// mint tokens with the built-in issuer.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Agent, request } from 'undici';
import { SigningKeys } from '../../src/auth/signing-keys.js';
import { mintAppToken, mintDelegatedToken, nameBasedGuid } from '../../src/auth/token-issuer.js';
import { DEFAULT_AUDIENCES, type ServeConfig } from '../../src/config.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { issuerBaseOf } from '../../src/services/tokens.js';
import { createGroup } from '../../src/services/groups.js';
import type { Contact, Group, User } from '../../src/domain/directory.js';
import type { Tenant } from '../../src/domain/tenant.js';
import type { Store } from '../../src/store/store.js';
import { sharedObjectService, testBlobKind } from './object-stores.js';
import { createTestDatabase, onPostgres, type TestDatabase } from './postgres.js';
import { expectServing } from './still-serving.js';

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  json(): any;
}

export interface RequestOptions {
  token?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

export function testConfig(dataDir: string, overrides: Partial<ServeConfig> = {}): ServeConfig {
  return {
    dataDir,
    databaseUrl: `sqlite:${join(dataDir, 'portrait.db')}`,
    host: '127.0.0.1',
    port: 0,
    http: false,
    trustIssuers: [],
    audiences: DEFAULT_AUDIENCES,
    logLevel: 'silent',
    photoMaxAgeSeconds: 300,
    maxPixels: 40_000_000,
    jpegQuality: 88,
    throttle: {},
    maxUploads: 8,
    uploadTimeoutSeconds: 120,
    uploadMinRate: 1024,
    workers: 1,
    demo: false,
    ...overrides,
  };
}

export class Harness {
  private constructor(
    readonly server: RunningServer,
    readonly dataDir: string,
    readonly agent: Agent,
    readonly keys: SigningKeys,
    readonly issuerBase: string,
    private readonly database: TestDatabase | undefined,
    /** The server's log lines at `error` and above (`fatal` is what SPEC §10 checks for). */
    readonly log: string[],
    /** Where the server keeps photo bytes (`--blob-store`). */
    readonly blobStore: string = 'database',
  ) {}

  static async start(overrides: Partial<ServeConfig> = {}): Promise<Harness> {
    const dataDir = mkdtempSync(join(tmpdir(), 'portrait-test-'));
    const database =
      onPostgres && !overrides.databaseUrl ? await createTestDatabase({ migrate: true }) : undefined;
    // PORTRAIT_TEST_BLOBS: photo bytes in a fresh bucket, container or folder of this run's service.
    const blobStore =
      testBlobKind && !overrides.blobStore
        ? await (await sharedObjectService(testBlobKind)).newBlobStore()
        : undefined;
    const config = testConfig(dataDir, {
      ...(database ? { databaseUrl: database.url } : {}),
      ...(blobStore ? { blobStore } : {}),
      ...overrides,
    });
    const log: string[] = [];
    const server = await startServer(
      config,
      pino({ level: 'error' }, { write: (line: string) => log.push(line) }),
    );
    const agent = new Agent({ connect: { ca: server.caPath ? readFileSync(server.caPath) : undefined } });
    const keys = await SigningKeys.open(server.store.keys);
    return new Harness(
      server,
      dataDir,
      agent,
      keys,
      await issuerBaseOf(server.store.keys),
      database,
      log,
      config.blobStore,
    );
  }

  /** This server's store, for a second server or a CLI command on the same data. */
  get databaseUrl(): string {
    return this.database?.url ?? testConfig(this.dataDir).databaseUrl;
  }

  /** The options a CLI command needs to work on this server's store. */
  get storeArgs(): string[] {
    const blobStore = this.blobStore;
    return [
      '--data',
      this.dataDir,
      ...(this.database ? ['--database', this.database.url] : []),
      ...(blobStore !== 'database' ? ['--blob-store', blobStore] : []),
    ];
  }

  get store(): Store {
    return this.server.store;
  }

  get url(): string {
    return this.server.url;
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers['authorization'] = `Bearer ${options.token}`;
    const response = await request(`${this.url}${path}`, {
      method: method as 'GET',
      headers,
      body: options.body,
      dispatcher: this.agent,
    });
    const body = Buffer.from(await response.body.arrayBuffer());
    const flat: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      flat[name] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    return {
      status: response.statusCode,
      headers: flat,
      body,
      json: () => JSON.parse(body.toString('utf8')),
    };
  }

  /** SPEC §10: the server still answers, and its log has no fatal line. */
  expectServing(): Promise<void> {
    // The agent trusts the development CA; a server given its own certificate is checked without it.
    return expectServing(this.url, this.log.join(''), this.server.caPath ? this.agent : undefined);
  }

  /** Checks the server still serves (SPEC §10), then stops it and removes what it made. */
  async close(): Promise<void> {
    try {
      await this.expectServing();
    } finally {
      await this.stop();
    }
  }

  /** Stops the server and removes what it made, without checking it first. */
  async stop(): Promise<void> {
    await this.agent.close();
    await this.server.close();
    await this.database?.drop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  // --- directory fixtures -------------------------------------------------------------------

  async tenant(name = `t-${Math.random().toString(36).slice(2, 10)}`): Promise<Tenant> {
    return this.store.directory.createTenant({ name });
  }

  async user(tenant: Tenant, alias: string, directoryRoles: string[] = []): Promise<User> {
    const upn = `${alias}@${tenant.name}.example`;
    return this.store.directory.createUser({
      tenantId: tenant.id,
      userPrincipalName: upn,
      displayName: alias,
      directoryRoles,
    });
  }

  async group(
    tenant: Tenant,
    options: { team?: boolean; owners?: User[]; members?: User[] } = {},
  ): Promise<Group> {
    const { group } = await createGroup(this.store, tenant, {
      displayName: options.team ? 'A team' : 'A group',
      isTeam: options.team ?? false,
      owners: options.owners?.map((u) => u.id) ?? [],
      members: options.members?.map((u) => u.id) ?? [],
    });
    return group;
  }

  async contact(tenant: Tenant, owner: User, folder?: string): Promise<Contact> {
    const folderId = folder
      ? (await this.store.mailbox.ensureContactFolder(tenant.id, owner.id, folder)).id
      : null;
    return this.store.mailbox.createContact({
      tenantId: tenant.id,
      userId: owner.id,
      folderId,
      displayName: 'A contact',
    });
  }

  // --- tokens ---------------------------------------------------------------------------------

  private tokenOptions(lifetimeSeconds = 3600) {
    return { issuerBase: this.issuerBase, audience: DEFAULT_AUDIENCES[0]!, lifetimeSeconds };
  }

  delegatedToken(tenant: Tenant, user: User, scopes: string[]): Promise<string> {
    return mintDelegatedToken(this.keys, { tenant, user, scopes }, this.tokenOptions());
  }

  appToken(tenant: Tenant, roles: string[], appName = 'test-app', lifetimeSeconds?: number): Promise<string> {
    const appId = nameBasedGuid('app', tenant.id, appName);
    return mintAppToken(this.keys, { tenant, appId, appName, roles }, this.tokenOptions(lifetimeSeconds));
  }
}
