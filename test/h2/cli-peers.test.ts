/**
 * The engine against nghttp2-based peers: curl (--http2 over TLS, --http2-prior-knowledge over
 * h2c), nghttp, and a bounded h2load run. Each is run as a child process with a deadline.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCert } from '../helpers/tls-cert.js';
import { startEngineServer, type EngineServer } from './engine-server.js';
import { createTestApp, patternBytes } from './test-app.js';

interface Run {
  code: number;
  stdout: Buffer;
  stderr: string;
}

function run(cmd: string, args: string[], timeoutMs = 20_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'buffer', timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr: stderr.toString() });
    });
  });
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

let tlsServer: EngineServer;
let h2cServer: EngineServer;
let certPath: string;
let uploadPath: string;
const upload = Buffer.alloc(3 << 20, 'h2race upload ');

beforeAll(async () => {
  certPath = (await testCert()).certPath;
  tlsServer = await startEngineServer(createTestApp(), { tls: true });
  h2cServer = await startEngineServer(createTestApp(), { tls: false });
  uploadPath = join(mkdtempSync(join(tmpdir(), 'h2race-engine-')), 'upload.bin');
  writeFileSync(uploadPath, upload);
});
afterAll(async () => {
  await tlsServer.close();
  await h2cServer.close();
});

describe('curl', () => {
  it('--http2 over TLS: a 1 MiB download and a 3 MiB upload echoed', async () => {
    const download = await run('curl', ['-sS', '--http2', '--cacert', certPath, '-o', '-', `${tlsServer.url}/bytes/${1 << 20}`]);
    expect(download.stderr).toBe('');
    expect(download.stdout.equals(patternBytes(1 << 20))).toBe(true);
    const echoed = await run('curl', ['-sS', '--http2', '--cacert', certPath, '--data-binary', `@${uploadPath}`, '-o', '-', `${tlsServer.url}/echo`]);
    expect(echoed.code).toBe(0);
    expect(sha256(echoed.stdout)).toBe(sha256(upload));
  });

  it('--http2-prior-knowledge over h2c, with the protocol checked', async () => {
    const result = await run('curl', ['-sS', '--http2-prior-knowledge', '-o', '/dev/null', '-w', '%{http_version} %{http_code} %{size_download}', `${h2cServer.url}/bytes/5000`]);
    expect(result.stdout.toString()).toBe('2 200 5000');
  });
});

describe('nghttp', () => {
  it('TLS: a download and an upload echoed (-d)', async () => {
    const download = await run('nghttp', [`${tlsServer.url}/bytes/300000`]);
    expect(download.code).toBe(0);
    expect(download.stdout.equals(patternBytes(300_000))).toBe(true);
    const echoed = await run('nghttp', ['-d', uploadPath, `${tlsServer.url}/echo`]);
    expect(echoed.code).toBe(0);
    expect(sha256(echoed.stdout)).toBe(sha256(upload));
  });

  it('h2c: several concurrent requests on one connection', async () => {
    const result = await run('nghttp', ['-n', '-s', `${h2cServer.url}/bytes/100`, `${h2cServer.url}/bytes/200000`, `${h2cServer.url}/`]);
    expect(result.code).toBe(0);
    expect(result.stdout.toString()).toMatch(/200000/);
  });
});

describe('h2load (bounded: -n 2000 -c 4 -m 16)', () => {
  for (const which of ['TLS', 'h2c'] as const) {
    it(`${which}: every request answered 2xx`, async () => {
      const url = `${which === 'TLS' ? tlsServer.url : h2cServer.url}/bytes/1024`;
      const result = await run('h2load', ['-n', '2000', '-c', '4', '-m', '16', url], 60_000);
      const out = result.stdout.toString();
      expect(result.code, out).toBe(0);
      expect(out).toMatch(/requests: 2000 total, 2000 started, 2000 done, 2000 succeeded, 0 failed, 0 errored, 0 timeout/);
      expect(out).toMatch(/status codes: 2000 2xx/);
    });
  }
});
