// Client secrets and user passwords. Secrets are 240 random bits, so a SHA-256 of them is as
// strong as a slow hash and keeps the token endpoint fast; passwords are chosen by people, so
// they get scrypt, a memory-hard KDF (Node's own, no native dependency).
import { createHash, randomBytes, randomUUID, scrypt, timingSafeEqual } from 'node:crypto';
import type { ClientSecretRecord } from '../domain/identity.js';

/** Entra's default lifetime for a new client secret. */
const SECRET_LIFETIME_MS = 730 * 86_400_000;

/** Hex SHA-256: how high-entropy secrets (client secrets, authorization codes) are stored. */
export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export function newClientSecret(
  appObjectId: string,
  now = new Date(),
  secret = randomBytes(30).toString('base64url'),
): { secret: string; record: ClientSecretRecord } {
  return {
    secret,
    record: {
      id: randomUUID(),
      appObjectId,
      hash: sha256(secret),
      hint: secret.slice(0, 3),
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + SECRET_LIFETIME_MS).toISOString(),
    },
  };
}

/** True when `secret` is one of the app's unexpired secrets. Compared in constant time. */
export function secretMatches(
  secret: string,
  records: readonly ClientSecretRecord[],
  now = new Date(),
): boolean {
  const offered = Buffer.from(sha256(secret), 'hex');
  let match = false;
  for (const record of records) {
    const same = timingSafeEqual(offered, Buffer.from(record.hash, 'hex'));
    match ||= same && new Date(record.expiresAt) > now;
  }
  return match;
}

/** Minimum password length, as Entra ID's default password policy. */
export const MIN_PASSWORD_LENGTH = 8;

// scrypt cost: N=2^15, r=8 takes ~32 MiB and ~50 ms per hash; OWASP's floor is N=2^17 with r=8,p=1
// or N=2^15 with p=3 — we use p=3.
const SCRYPT = { N: 2 ** 15, r: 8, p: 3, maxmem: 64 * 1024 * 1024 } as const;
const KEY_BYTES = 32;

function derive(
  password: string,
  salt: Buffer,
  params: { N: number; r: number; p: number },
): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, { ...params, maxmem: SCRYPT.maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/** `scrypt$N$r$p$salt$key`, base64url parts. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
}

export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const parts = stored?.split('$');
  if (parts?.length !== 6 || parts[0] !== 'scrypt') {
    // Spend the same time as a real check, so timing does not tell who has a password.
    await derive(password, randomBytes(16), SCRYPT);
    return false;
  }
  const [, n, r, p, salt, key] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(key, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
