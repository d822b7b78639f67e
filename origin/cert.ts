/** A throw-away self-signed certificate for 127.0.0.1, ::1 and localhost. */
import { X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';

export interface CertPair {
  cert: string;
  key: string;
  /** SHA-256 fingerprint, colon-separated hex. */
  fingerprint: string;
}

export async function generateSelfSigned(commonName = 'h2race demo origin'): Promise<CertPair> {
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 365 * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private, fingerprint: new X509Certificate(pems.cert).fingerprint256 };
}

/** A given PEM pair with its SHA-256 fingerprint; a PEM that does not parse is a one-line error. */
export function withFingerprint(pair: { cert: string; key: string }): CertPair {
  try {
    return { ...pair, fingerprint: new X509Certificate(pair.cert).fingerprint256 };
  } catch (err) {
    throw new Error(`certificate does not parse as PEM X.509: ${(err as Error).message}`);
  }
}
