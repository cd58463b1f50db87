// The development certificate: on first start Portrait makes its own CA (data/tls/ca.pem, which
// clients trust, e.g. NODE_EXTRA_CA_CERTS) and a localhost certificate it signs. Later starts
// reuse them; an expired or soon-expiring server certificate is reissued from the same CA.
import { webcrypto } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
// @peculiar/x509 resolves its ASN.1 services through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
/** Browsers refuse server certificates valid for longer than this. */
const SERVER_CERT_DAYS = 397;
const CA_DAYS = 3650;
const RENEW_BEFORE_DAYS = 30;

/** A server certificate (with its chain) and key, and the CA that clients trust, as PEM text. */
export interface TlsMaterial {
  ca: string;
  cert: string;
  key: string;
}

export interface TlsFiles extends TlsMaterial {
  caPath: string;
}

const pem = (label: string, der: ArrayBuffer) =>
  `-----BEGIN ${label}-----\n${Buffer.from(der)
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END ${label}-----\n`;

async function exportPrivateKey(key: CryptoKey): Promise<string> {
  return pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', key));
}

async function importPrivateKey(pemText: string): Promise<CryptoKey> {
  const der = Buffer.from(pemText.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  return webcrypto.subtle.importKey('pkcs8', der, EC_KEY, false, ['sign']) as Promise<CryptoKey>;
}

function writeSecret(path: string, text: string) {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** A new development CA: its certificate and private key, as PEM text. */
async function createCa(): Promise<{ cert: string; key: string }> {
  const keys = (await webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=Portrait Development CA ${new Date().toISOString().slice(0, 10)}, O=Portrait`,
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + CA_DAYS * DAY_MS),
    signingAlgorithm: SIGNING,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: `${cert.toString('pem')}\n`, key: await exportPrivateKey(keys.privateKey) };
}

function needsNewServerCert(certPath: string, keyPath: string, hostnames: readonly string[]): boolean {
  if (!existsSync(certPath) || !existsSync(keyPath)) return true;
  const cert = new x509.X509Certificate(readFileSync(certPath, 'utf8'));
  if (cert.notAfter.getTime() - Date.now() < RENEW_BEFORE_DAYS * DAY_MS) return true;
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const covered = new Set(san?.names.items.map((n) => n.value.toLowerCase()) ?? []);
  return hostnames.some((h) => !covered.has(h.toLowerCase()));
}

/** A server certificate for `hostnames` signed by the CA, with the chain, as PEM text. */
async function createServerCert(
  caPem: string,
  caKeyPem: string,
  hostnames: readonly string[],
): Promise<{ cert: string; key: string }> {
  const ca = new x509.X509Certificate(caPem);
  const caKey = await importPrivateKey(caKeyPem);
  const keys = (await webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify'])) as CryptoKeyPair;
  const names = hostnames.map((h) => ({ type: isIP(h) ? ('ip' as const) : ('dns' as const), value: h }));
  const cert = await x509.X509CertificateGenerator.create({
    subject: `CN=${hostnames[0]}, O=Portrait`,
    issuer: ca.subject,
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + SERVER_CERT_DAYS * DAY_MS),
    signingAlgorithm: SIGNING,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.publicKey),
    ],
  });
  return {
    cert: `${cert.toString('pem')}\n${ca.toString('pem')}\n`,
    key: await exportPrivateKey(keys.privateKey),
  };
}

/**
 * A CA and a server certificate made in memory and kept nowhere: the `--database memory` server
 * and `startPortrait()` leave nothing on disk, and each has a CA of its own.
 */
export async function ephemeralDevCertificate(hostnames: readonly string[]): Promise<TlsMaterial> {
  const ca = await createCa();
  return { ca: ca.cert, ...(await createServerCert(ca.cert, ca.key, hostnames)) };
}

/** Makes (or reuses) the CA and a server certificate for `hostnames` under `dataDir/tls`. */
export async function ensureDevCertificate(dataDir: string, hostnames: readonly string[]): Promise<TlsFiles> {
  const dir = join(dataDir, 'tls');
  mkdirSync(dir, { recursive: true });
  const caPath = join(dir, 'ca.pem');
  const caKeyPath = join(dir, 'ca-key.pem');
  const certPath = join(dir, 'server.pem');
  const keyPath = join(dir, 'server-key.pem');
  const newCa = !existsSync(caPath) || !existsSync(caKeyPath);
  if (newCa) {
    const ca = await createCa();
    writeSecret(caKeyPath, ca.key);
    writeFileSync(caPath, ca.cert);
  }
  if (newCa || needsNewServerCert(certPath, keyPath, hostnames)) {
    const server = await createServerCert(
      readFileSync(caPath, 'utf8'),
      readFileSync(caKeyPath, 'utf8'),
      hostnames,
    );
    writeSecret(keyPath, server.key);
    writeFileSync(certPath, server.cert);
  }
  return {
    caPath,
    ca: readFileSync(caPath, 'utf8'),
    cert: readFileSync(certPath, 'utf8'),
    key: readFileSync(keyPath, 'utf8'),
  };
}
