/**
 * `h2race proxy --api` as a user runs it (in-process through proxyMain): like the proxy without
 * the API it names the certificate it serves — made on the first start, reused on the next — and
 * the fingerprint printed is the one a TLS client sees.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proxyMain } from '../../cli/proxy-command.js';
import { startDemoOrigin, type DemoOrigin } from '../../origin/demo-origin.js';
import { waitFor } from '../helpers/wait.js';

let origin: DemoOrigin;
const stateDir = mkdtempSync(join(tmpdir(), 'h2race-proxy-api-'));
beforeAll(async () => {
  origin = await startDemoOrigin({ h2c: { host: '127.0.0.1', port: 0 } });
});
afterAll(async () => {
  await origin.close();
  rmSync(stateDir, { recursive: true, force: true });
});

/** Starts the command, waits for its two startup lines, returns them and a stop that awaits exit 0. */
async function start(): Promise<{ lines: string[]; stop: () => Promise<number> }> {
  const lines: string[] = [];
  const stderr: string[] = [];
  let stop!: () => void;
  const stopped = new Promise<void>((r) => (stop = r));
  const exit = proxyMain(
    { 'frame-path': true, 'log-level': 'silent', listen: '127.0.0.1:0', origin: origin.urls.h2c!, 'state-dir': stateDir, api: '127.0.0.1:0' },
    { stdout: (l) => lines.push(l), stderr: (l) => stderr.push(l), untilStop: () => stopped },
  );
  await waitFor('the startup lines', () => lines.length === 2 || stderr.length > 0, 15_000);
  expect(stderr).toEqual([]);
  return { lines, stop: () => (stop(), exit) };
}

/** The SHA-256 fingerprint of the certificate the TLS listener at `port` serves. */
async function servedFingerprint(port: number): Promise<string> {
  const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['h2'] });
  try {
    await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
    return socket.getPeerX509Certificate()!.fingerprint256;
  } finally {
    socket.destroy();
  }
}

describe('h2race proxy --api', () => {
  it('prints the certificate it serves: generated on the first start, reused on the next', async () => {
    const certPath = join(stateDir, 'proxy-cert.pem');
    const fingerprints: string[] = [];
    for (const source of ['generated', 'reused']) {
      const cmd = await start();
      try {
        const port = Number(/^h2race proxy on https:\/\/127\.0\.0\.1:(\d+) → .*; Toxiproxy API on http:/.exec(cmd.lines[0]!)![1]);
        const line = new RegExp(`^certificate SHA-256 ([0-9A-F:]{95}) \\(${source} ${certPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)$`).exec(cmd.lines[1]!);
        expect(line, cmd.lines[1]).not.toBeNull();
        expect(await servedFingerprint(port)).toBe(line![1]);
        fingerprints.push(line![1]!);
      } finally {
        expect(await cmd.stop()).toBe(0);
      }
    }
    expect(fingerprints[1]).toBe(fingerprints[0]);
  });
});
