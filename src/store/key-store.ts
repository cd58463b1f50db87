// The installation's keys port: signing keys and installation settings.
import type { SigningKeyRecord } from '../domain/identity.js';

export interface KeyStore {
  listSigningKeys(): Promise<SigningKeyRecord[]>;
  addSigningKey(record: SigningKeyRecord): Promise<void>;
  /** Makes `kid` the only active key: every other active key is retired now. */
  activateSigningKey(kid: string, retiredAt: string): Promise<void>;
  /** Raises the key's maxExpiry to `exp` when it is later. */
  noteTokenExpiry(kid: string, exp: number): Promise<void>;
  /** Deletes retired keys whose every token has expired by `now` (epoch seconds). */
  pruneSigningKeys(now: number): Promise<string[]>;
  /** An installation setting; `ifAbsent` is stored and returned when none exists (first writer wins). */
  installationSetting(name: string, ifAbsent: () => string): Promise<string>;
}
