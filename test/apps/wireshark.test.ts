/**
 * The key log's point: Wireshark decrypts a capture of both sides of h2race with it. dumpcap
 * captures the loopback traffic of one proxy and its origin (a capture filter on their two ports,
 * bounded in time) while a client makes three requests; tshark then reads the HTTP/2 HEADERS
 * frames, with their :path, out of the TLS of the front and of the upstream connection — and
 * nothing without the key log.
 *
 * Needs the Debian package tshark (dumpcap with it); skipped when it is not installed, or when
 * this machine does not let dumpcap capture on the loopback interface (found by trying; the
 * reason dumpcap gives is printed).
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as net from 'node:net';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { startH2race } from '../../proxy/h2race.js';
import { createProxyEvents } from '../../proxy/events.js';
import { testCert } from '../helpers/tls-cert.js';
import { cleanupsAfterEach } from '../helpers/cleanups.js';
import { getLogged, startKeyLogOrigin } from './keylog-peers.js';

const installed = ['dumpcap', 'tshark'].every((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0);
if (!installed) console.warn('Wireshark key-log test skipped: tshark not installed (Debian package tshark)');

const cleanups = cleanupsAfterEach();

interface Capture {
  /** Returns once everything sent before the call is in the capture. */
  sync(): Promise<void>;
  /** Ends the capture and waits for dumpcap to write its file. */
  stop(): Promise<void>;
}

/**
 * dumpcap on loopback for `ports`, at most 30 s. Resolves once it is capturing, or with the
 * reason it gives when it may not capture here. dumpcap says "Capturing on" a moment before it
 * really does, and counts what it wrote ("Packets: N") on stderr: the capture is known to run
 * (and to hold everything sent so far) once a connection to `probePort` made after that point
 * shows up in its count.
 */
async function startCapture(file: string, ports: number[], probePort: number): Promise<Capture | { refused: string }> {
  const filter = ports.map((p) => `tcp port ${p}`).join(' or ');
  const dumpcap = spawn('dumpcap', ['-i', 'lo', '-f', filter, '-a', 'duration:30', '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = once(dumpcap, 'exit');
  cleanups.push(() => {
    if (dumpcap.exitCode === null) dumpcap.kill('SIGKILL');
  });
  let stderr = '';
  dumpcap.stderr.setEncoding('utf8');
  const capturing = new Promise<boolean>((resolve) => {
    dumpcap.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.includes('Capturing on')) resolve(true);
    });
    void exited.then(() => resolve(false));
  });
  if (!(await capturing)) {
    const reason = stderr.trim();
    if (/permission|not permitted|privilege/i.test(reason)) return { refused: reason };
    throw new Error(`dumpcap failed: ${reason}`);
  }
  const written = () => Number([...stderr.matchAll(/Packets: (\d+)/g)].at(-1)?.[1] ?? 0);
  return {
    async sync() {
      const before = written();
      const deadline = Date.now() + 10_000;
      while (written() === before) {
        if (dumpcap.exitCode !== null || Date.now() > deadline) throw new Error(`dumpcap captured nothing: ${stderr.trim()}`);
        const probe = net.connect(probePort, '127.0.0.1');
        probe.on('error', () => {});
        await once(probe, 'connect');
        probe.destroy();
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      dumpcap.kill('SIGINT');
      const [code] = await exited as [number | null];
      if (code !== 0) throw new Error(`dumpcap exited with ${code}: ${stderr.trim()}`);
    },
  };
}

/** tshark's reading of the capture: one row per HTTP/2 HEADERS frame with a :path. */
function headersFrames(file: string, tlsPorts: number[], keylog?: string): { srcPort: number; dstPort: number; path: string }[] {
  const args = ['-r', file, ...tlsPorts.flatMap((p) => ['-d', `tcp.port==${p},tls`])];
  if (keylog) args.push('-o', `tls.keylog_file:${keylog}`);
  args.push('-Y', 'http2.type == 1 && http2.headers.path', '-T', 'fields', '-E', 'occurrence=f', '-e', 'tcp.srcport', '-e', 'tcp.dstport', '-e', 'http2.headers.path');
  const run = spawnSync('tshark', args, { encoding: 'utf8', timeout: 30_000 });
  if (run.status !== 0) throw new Error(`tshark failed (${run.status}): ${run.stderr}`);
  return run.stdout.split('\n').filter((l) => l !== '').map((l) => {
    const [src, dst, path] = l.split('\t');
    return { srcPort: Number(src), dstPort: Number(dst), path: path! };
  });
}

describe.skipIf(!installed)('Wireshark', () => {
  test('tshark decodes the HTTP/2 frames of both sides from a capture with h2race\'s key log', async (ctx) => {
    const dir = mkdtempSync(join(tmpdir(), 'h2race-wireshark-'));
    const keylog = join(dir, 'keys.log');
    const pcap = join(dir, 'capture.pcapng');
    const origin = await startKeyLogOrigin();
    cleanups.push(() => origin.close());
    const { certPath, keyPath } = await testCert();
    const h2race = await startH2race({ events: createProxyEvents(), listen: '127.0.0.1:0', origin: origin.url, cert: certPath, key: keyPath, keylog, shutdownTimeoutMs: 500, upstream: { ca: certPath } });
    cleanups.push(() => h2race.close());
    const frontPort = h2race.proxy.address.port;
    const originPort = Number(new URL(origin.url).port);

    const capture = await startCapture(pcap, [frontPort, originPort], frontPort);
    if ('refused' in capture) {
      console.warn(`Wireshark key-log test skipped: capture on loopback is not permitted here: ${capture.refused}`);
      return ctx.skip();
    }
    await capture.sync();
    const paths = ['/wireshark-0', '/wireshark-1', '/wireshark-2'];
    for (const path of paths) await getLogged(h2race.proxy.url, path);
    await capture.sync();
    await capture.stop();
    await h2race.close();

    const frames = headersFrames(pcap, [frontPort, originPort], keylog);
    // Requests: client → front on the TLS listener, h2race → origin upstream (one pooled session).
    expect(frames.filter((f) => f.dstPort === frontPort).map((f) => f.path)).toEqual(paths);
    expect(frames.filter((f) => f.dstPort === originPort).map((f) => f.path)).toEqual(paths);
    // Without the key log the same capture shows no HTTP/2 frame: the key log is what decrypts it.
    expect(headersFrames(pcap, [frontPort, originPort])).toEqual([]);
  });
});
