// The built-in issuer's signing keys, kept in the store with the data so every process on it (the
// server, `portrait token`, other nodes) signs and verifies alike. RS256, as Entra ID signs.
// Rotation: the new key signs from then on; a retired key keeps verifying (and stays in the JWKS)
// until the last token it signed has expired, then it is removed.
import {
  type CryptoKey,
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JSONWebKeySet,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';
import type { SigningKeyRecord } from '../domain/identity.js';
import type { KeyStore } from '../store/key-store.js';

export const SIGNING_ALG = 'RS256';

/** Another process may rotate keys: the JWKS and signing key are re-read at most this often. */
const RELOAD_AFTER_MS = 30_000;
/** A token naming an unknown kid makes us re-read sooner, but not more often than this. */
const UNKNOWN_KID_COOLDOWN_MS = 5_000;
/** Token expiries are recorded rounded up to this, so minting does not write on every token. */
const EXPIRY_GRANULARITY_S = 600;

export interface ActiveKey {
  kid: string;
  privateKey: CryptoKey;
}

async function newKeyRecord(): Promise<SigningKeyRecord> {
  const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = await exportJWK(privateKey);
  return {
    kid,
    alg: SIGNING_ALG,
    privateJwk: JSON.stringify({ ...privateJwk, kid, alg: SIGNING_ALG }),
    publicJwk: JSON.stringify({ ...publicJwk, kid, alg: SIGNING_ALG, use: 'sig' }),
    createdAt: new Date().toISOString(),
    retiredAt: null,
    maxExpiry: 0,
  };
}

/** A retired key whose every token has expired is dead: not published, not trusted. */
const isLive = (record: SigningKeyRecord, now: number) =>
  record.retiredAt === null || record.maxExpiry >= now;

export class SigningKeys {
  private records: SigningKeyRecord[] = [];
  private localSet: JWTVerifyGetKey = createLocalJWKSet({ keys: [] });
  private loadedAt = 0;
  private missReloadAt = Number.NEGATIVE_INFINITY;
  private active?: ActiveKey;

  private constructor(
    private readonly store: KeyStore,
    /** Milliseconds since the epoch; tests move it. */
    private readonly clock: () => number,
  ) {}

  /** Loads the keys, creating the first one on a fresh store. */
  static async open(store: KeyStore, clock: () => number = Date.now): Promise<SigningKeys> {
    const keys = new SigningKeys(store, clock);
    await keys.reload();
    if (!keys.records.some((r) => r.retiredAt === null)) {
      await store.addSigningKey(await newKeyRecord());
      await keys.reload();
    }
    return keys;
  }

  private async reload(): Promise<void> {
    this.records = await this.store.listSigningKeys();
    this.localSet = createLocalJWKSet({ keys: this.records.map((r) => JSON.parse(r.publicJwk) as JWK) });
    this.loadedAt = this.clock();
    this.active = undefined;
  }

  private nowSeconds(): number {
    return Math.floor(this.clock() / 1000);
  }

  private async fresh(): Promise<void> {
    if (this.clock() - this.loadedAt > RELOAD_AFTER_MS) await this.reload();
  }

  /** The newest key that is not retired: the one new tokens are signed with. */
  async signingKey(): Promise<ActiveKey> {
    await this.fresh();
    if (this.active) return this.active;
    const record = this.records.filter((r) => r.retiredAt === null).at(-1);
    if (!record) throw new Error('no active signing key in the store');
    const privateKey = (await importJWK(JSON.parse(record.privateJwk) as JWK, SIGNING_ALG)) as CryptoKey;
    this.active = { kid: record.kid, privateKey };
    return this.active;
  }

  /** Records that a token signed with `kid` lives until `exp`, so the key outlives it. */
  async noteExpiry(kid: string, exp: number): Promise<void> {
    const rounded = Math.ceil(exp / EXPIRY_GRANULARITY_S) * EXPIRY_GRANULARITY_S;
    const record = this.records.find((r) => r.kid === kid);
    if (record && record.maxExpiry >= rounded) return;
    await this.store.noteTokenExpiry(kid, rounded);
    if (record) record.maxExpiry = rounded;
  }

  /** Public keys for `/{tenant}/discovery/v2.0/keys`: the active key and retired ones still needed. */
  async publicKeySet(): Promise<JSONWebKeySet> {
    await this.fresh();
    const now = this.nowSeconds();
    return { keys: this.records.filter((r) => isLive(r, now)).map((r) => JSON.parse(r.publicJwk) as JWK) };
  }

  /** Whether `kid` is a live key, re-reading the store (rate-limited) when it is unknown. */
  async knows(kid: string): Promise<boolean> {
    const live = () => this.records.some((r) => r.kid === kid && isLive(r, this.nowSeconds()));
    if (live()) return true;
    if (this.clock() - this.missReloadAt < UNKNOWN_KID_COOLDOWN_MS) return false;
    this.missReloadAt = this.clock();
    await this.reload();
    return live();
  }

  /** Makes a new key the signing key, retires the old one and drops keys no token needs. */
  async rotate(): Promise<{ kid: string; retired: string[]; removed: string[] }> {
    await this.reload();
    const retired = this.records.filter((r) => r.retiredAt === null).map((r) => r.kid);
    const record = await newKeyRecord();
    await this.store.addSigningKey(record);
    await this.store.activateSigningKey(record.kid, new Date(this.clock()).toISOString());
    const removed = await this.store.pruneSigningKeys(this.nowSeconds());
    await this.reload();
    return { kid: record.kid, retired, removed };
  }

  /** Drops retired keys whose tokens have all expired. */
  async prune(): Promise<string[]> {
    const removed = await this.store.pruneSigningKeys(this.nowSeconds());
    if (removed.length > 0) await this.reload();
    return removed;
  }

  list(): readonly SigningKeyRecord[] {
    return this.records;
  }

  /** The key resolver for jose's jwtVerify. */
  readonly verificationKey: JWTVerifyGetKey = (header, token) => this.localSet(header, token);
}
