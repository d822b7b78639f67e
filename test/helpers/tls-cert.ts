/**
 * One self-signed certificate per test process (SAN localhost, 127.0.0.1, ::1), as PEM strings
 * and as files (for options that take paths). Clients trust it by passing `ca: cert`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSelfSigned } from '../../proxy/certs.js';

export interface TestCert {
  cert: string;
  key: string;
  certPath: string;
  keyPath: string;
}

let made: Promise<TestCert> | undefined;

export function testCert(): Promise<TestCert> {
  made ??= generateSelfSigned().then(({ cert, key }) => {
    const dir = mkdtempSync(join(tmpdir(), 'h2race-test-cert-'));
    const certPath = join(dir, 'cert.pem');
    const keyPath = join(dir, 'key.pem');
    writeFileSync(certPath, cert);
    writeFileSync(keyPath, key);
    return { cert, key, certPath, keyPath };
  });
  return made;
}
