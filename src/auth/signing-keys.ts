// The built-in issuer's signing keys, kept in the store with the data so every process on it (the
// server, `portrait token`, other nodes) signs and verifies alike. RS256, as Entra ID signs.
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
import type { KeyStore, SigningKeyRecord } from '../store/store.js';

export const SIGNING_ALG = 'RS256';

/** A store is re-read for an unknown `kid` at most this often (keys rotated by another process). */
const RELOAD_COOLDOWN_MS = 30_000;

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
  };
}

export class SigningKeys {
  private records: SigningKeyRecord[] = [];
  private jwks: JSONWebKeySet = { keys: [] };
  private localSet: JWTVerifyGetKey = createLocalJWKSet(this.jwks);
  private lastLoad = 0;
  private active?: ActiveKey;

  private constructor(private readonly store: KeyStore) {}

  /** Loads the keys, creating the first one on a fresh store. */
  static async open(store: KeyStore): Promise<SigningKeys> {
    const keys = new SigningKeys(store);
    await keys.reload();
    if (!keys.records.some((r) => r.retiredAt === null)) {
      await store.addSigningKey(await newKeyRecord());
      await keys.reload();
    }
    return keys;
  }

  private async reload(): Promise<void> {
    this.records = await this.store.listSigningKeys();
    this.jwks = { keys: this.records.map((r) => JSON.parse(r.publicJwk) as JWK) };
    this.localSet = createLocalJWKSet(this.jwks);
    this.lastLoad = Date.now();
    this.active = undefined;
  }

  /** The newest key that is not retired: the one new tokens are signed with. */
  async signingKey(): Promise<ActiveKey> {
    if (this.active) return this.active;
    const record = this.records.filter((r) => r.retiredAt === null).at(-1);
    if (!record) throw new Error('no active signing key in the store');
    const privateKey = (await importJWK(JSON.parse(record.privateJwk) as JWK, SIGNING_ALG)) as CryptoKey;
    this.active = { kid: record.kid, privateKey };
    return this.active;
  }

  /** Public keys for `/{tenant}/discovery/v2.0/keys`. */
  publicKeySet(): JSONWebKeySet {
    return this.jwks;
  }

  hasKid(kid: string): boolean {
    return this.records.some((r) => r.kid === kid);
  }

  /** Reloads from the store when `kid` is unknown, at most once per cooldown. */
  async knows(kid: string): Promise<boolean> {
    if (this.hasKid(kid)) return true;
    if (Date.now() - this.lastLoad < RELOAD_COOLDOWN_MS) return false;
    await this.reload();
    return this.hasKid(kid);
  }

  /** The key resolver for jose's jwtVerify. */
  readonly verificationKey: JWTVerifyGetKey = (header, token) => this.localSet(header, token);
}
