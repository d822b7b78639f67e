/** A throw-away self-signed certificate for 127.0.0.1, ::1 and localhost. */
import { X509Certificate } from 'node:crypto';
import { generateSelfSigned as generatePemPair } from '../proxy/certs.js';

export interface CertPair {
  cert: string;
  key: string;
  /** SHA-256 fingerprint, colon-separated hex. */
  fingerprint: string;
}

/** The proxy's generator (SAN 127.0.0.1, ::1, localhost) under the origin's own name. */
export async function generateSelfSigned(commonName = 'h2race demo origin'): Promise<CertPair> {
  return withFingerprint(await generatePemPair(commonName));
}

/** A given PEM pair with its SHA-256 fingerprint; a PEM that does not parse is a one-line error. */
export function withFingerprint(pair: { cert: string; key: string }): CertPair {
  try {
    return { ...pair, fingerprint: new X509Certificate(pair.cert).fingerprint256 };
  } catch (err) {
    throw new Error(`certificate does not parse as PEM X.509: ${(err as Error).message}`, { cause: err });
  }
}
