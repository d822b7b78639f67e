/**
 * The proxy's TLS certificate: the user's (--cert/--key), or a self-signed one made on first
 * start (SAN 127.0.0.1, ::1, localhost), kept in the state dir and reused so a user trusts it once.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface Certificate {
  cert: string;
  key: string;
  /** SHA-256 fingerprint, colon-separated hex (as browsers and openssl show it). */
  fingerprint256: string;
  /** Where it came from: the user's files, a generated one just now, or the reused state dir. */
  source: 'files' | 'generated' | 'state-dir';
  certPath: string;
}

export class CertificateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CertificateError';
  }
}

const CERT_FILE = 'proxy-cert.pem';
const KEY_FILE = 'proxy-key.pem';

export async function loadOrCreateCertificate(opts: { cert?: string; key?: string; stateDir: string }): Promise<Certificate> {
  if (opts.cert !== undefined && opts.key !== undefined) {
    const [cert, key] = await Promise.all([readPem(opts.cert, 'certificate'), readPem(opts.key, 'key')]);
    return { cert, key, fingerprint256: checkPair(cert, key, opts.cert), source: 'files', certPath: opts.cert };
  }
  const certPath = join(opts.stateDir, CERT_FILE);
  const keyPath = join(opts.stateDir, KEY_FILE);
  const existing = await readPair(certPath, keyPath);
  if (existing) {
    return { ...existing, fingerprint256: checkPair(existing.cert, existing.key, certPath), source: 'state-dir', certPath };
  }
  const made = await generateSelfSigned();
  try {
    await mkdir(opts.stateDir, { recursive: true });
    await writeFile(keyPath, made.key, { mode: 0o600 });
    await writeFile(certPath, made.cert);
  } catch (err) {
    throw new CertificateError(`cannot write the generated certificate to ${opts.stateDir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return { ...made, fingerprint256: checkPair(made.cert, made.key, certPath), source: 'generated', certPath };
}

/** A fresh self-signed certificate for the loopback names (EC P-256: fast to make). */
export async function generateSelfSigned(commonName = 'h2race localhost'): Promise<{ cert: string; key: string }> {
  // Loaded only to make one: selfsigned (node-forge) is 3.5 MB of heap that every mark-compact
  // would walk again, a quarter of a proxy's heap, in a proxy given its certificate.
  const { generate } = await import('selfsigned');
  const notAfter = new Date();
  notAfter.setFullYear(notAfter.getFullYear() + 2);
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }] },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

async function readPem(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new CertificateError(`cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

async function readPair(certPath: string, keyPath: string): Promise<{ cert: string; key: string } | undefined> {
  try {
    return { cert: await readFile(certPath, 'utf8'), key: await readFile(keyPath, 'utf8') };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CertificateError(`cannot read ${certPath}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Parses both PEMs, checks the key belongs to the certificate, returns the fingerprint. */
function checkPair(cert: string, key: string, certPath: string): string {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw new CertificateError(`${certPath} is not a PEM certificate`);
  }
  let matches: boolean;
  try {
    matches = x509.checkPrivateKey(createPrivateKey(key));
  } catch {
    throw new CertificateError(`the key for ${certPath} is not a PEM private key`);
  }
  if (!matches) throw new CertificateError(`the key does not match the certificate ${certPath}`);
  return x509.fingerprint256;
}
