/**
 * `h2race proxy` as a user runs it (in-process through proxyMain): startup errors are one line
 * and exit 1, a bad flag one line and exit 2 (every kind of command-line error, on a real process,
 * is in test/cli/); a started proxy prints its URL and certificate fingerprint, keeps the generated
 * certificate for the next start, and curl gets through it over HTTP/2 and HTTP/1.1.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestOrigin, type TestOrigin } from '../helpers/origins.js';
import { testCert } from '../helpers/tls-cert.js';
import { waitFor } from '../helpers/wait.js';
import { startProxyCommand } from './proxy-command.js';

const run = promisify(execFile);

describe('startup errors: one line, exit 1 (a bad flag: exit 2)', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'h2race-cli-'));

  test('port in use names the address', async () => {
    const busy = net.createServer();
    busy.listen(0, '127.0.0.1');
    await new Promise((r) => busy.once('listening', r));
    const address = `127.0.0.1:${(busy.address() as net.AddressInfo).port}`;
    const cmd = startProxyCommand({ listen: address, origin: 'http://127.0.0.1:9', 'state-dir': stateDir });
    expect(await cmd.exit).toBe(1);
    expect(cmd.stderr).toEqual([`h2race proxy: cannot listen on ${address}: address already in use`]);
    busy.close();
  });

  test('a bad config field names the file and the field path (exit 1); a bad flag names the flag (exit 2)', async () => {
    const file = join(stateDir, 'bad.yaml');
    writeFileSync(file, 'proxy:\n  origin: http://127.0.0.1:9\n  upstream:\n    maxSessions: 0\n');
    const bad = startProxyCommand({ config: file });
    expect(await bad.exit).toBe(1);
    expect(bad.stderr).toEqual([`h2race proxy: ${file}: proxy.upstream.maxSessions: Too small: expected number to be >=1`]);

    const flag = startProxyCommand({ origin: 'http://127.0.0.1:9', 'downstream-max-frame-size': 5 });
    expect(await flag.exit).toBe(2);
    expect(flag.stderr).toEqual(['h2race proxy: --downstream-max-frame-size: Too small: expected number to be >=16384']);

    const none = startProxyCommand({});
    expect(await none.exit).toBe(2);
    expect(none.stderr).toEqual(['h2race proxy: missing required flag --origin (or proxy.origin in the config file)']);
  });
});

describe('a running proxy', () => {
  let origin: TestOrigin;
  const stateDir = mkdtempSync(join(tmpdir(), 'h2race-cli-'));
  beforeAll(async () => {
    origin = await startTestOrigin('h2');
  });
  afterAll(async () => {
    await origin.close();
  });

  test('prints URL and fingerprint, serves curl over h2 and http/1.1, reuses its certificate', async () => {
    const { certPath } = await testCert();
    const first = startProxyCommand({ origin: origin.url, 'state-dir': stateDir, 'origin-ca': certPath });
    await waitFor('the startup lines', () => first.stdout.length === 2 || first.stderr.length > 0);
    expect(first.stderr).toEqual([]);
    const url = /^h2race proxy on (https:\/\/127\.0\.0\.1:\d+) → /.exec(first.stdout[0]!)![1]!;
    const fingerprint = /^certificate SHA-256 ([0-9A-F:]{95}) \(generated /.exec(first.stdout[1]!)![1]!;
    const generated = new X509Certificate(readFileSync(join(stateDir, 'proxy-cert.pem')));
    expect(generated.fingerprint256).toBe(fingerprint);
    expect(generated.subjectAltName).toContain('DNS:localhost');
    expect(generated.subjectAltName).toContain('IP Address:127.0.0.1');

    for (const [flag, version] of [['--http2', '2'], ['--http1.1', '1.1']] as const) {
      const { stdout } = await run('curl', ['-sS', '-k', flag, '-w', '\n%{http_version} %{http_code}', `${url}/small`]);
      expect(stdout).toBe(`hello from origin\n\n${version} 200`);
    }
    first.stop();
    expect(await first.exit).toBe(0);

    const second = startProxyCommand({ origin: origin.url, 'state-dir': stateDir, 'origin-ca': certPath });
    await waitFor('the startup lines', () => second.stdout.length === 2 || second.stderr.length > 0);
    expect(second.stdout[1]).toBe(`certificate SHA-256 ${fingerprint} (reused ${join(stateDir, 'proxy-cert.pem')})`);
    second.stop();
    expect(await second.exit).toBe(0);
  });

  test('--api: the fault flags become the API-owned proxy\'s toxics', async () => {
    const { certPath } = await testCert();
    const cmd = startProxyCommand({ origin: origin.url, 'state-dir': stateDir, 'origin-ca': certPath, latency: '80ms', loss: '1%', api: '127.0.0.1:0' });
    await waitFor('the startup lines', () => cmd.stdout.length === 2 || cmd.stderr.length > 0);
    expect(cmd.stderr).toEqual([]);
    expect(cmd.stdout[1]).toMatch(/^certificate SHA-256 [0-9A-F:]{95} /);
    const api = /Toxiproxy API on (http:\/\/[\d.:]+)/.exec(cmd.stdout[0]!)![1]!;
    const toxics = (await (await fetch(`${api}/proxies/h2race/toxics`)).json()) as { name: string; attributes: Record<string, unknown> }[];
    expect(toxics.map((t) => t.name).sort()).toEqual(['latency_downstream', 'latency_upstream', 'loss_downstream', 'loss_upstream']);
    expect(toxics.find((t) => t.name === 'latency_downstream')!.attributes.latency).toBe(80);
    cmd.stop();
    expect(await cmd.exit).toBe(0);
  });
});
