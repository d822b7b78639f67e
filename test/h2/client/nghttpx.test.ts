/**
 * nghttpx as a real peer: the engine's client role talks to nghttpx's frontend (TLS with ALPN h2,
 * and h2c) which forwards to a node:http2 h2c backend. A proxy's framing, SETTINGS (its own
 * MAX_CONCURRENT_STREAMS of 100) and flow control, not node's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import * as http2 from 'node:http2';
import type * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitForPort } from '../../../bench/ports.js';
import { sha256 } from '../../helpers/bytes.js';
import { testCert } from '../../helpers/tls-cert.js';
import { connectClient, exchange, fieldOf, requestAllQueued, type ConnectedClient } from './engine-client.js';

/** The backend: /echo returns the body and an x-sha256 trailer; anything else "ok <path>". */
function backendApp(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
  stream.on('error', () => {});
  if (headers[':path'] === '/echo') {
    const hash = createHash('sha256');
    stream.respond({ ':status': 200 }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'x-sha256': hash.digest('hex') }));
    stream.on('data', (c: Buffer) => {
      hash.update(c);
      stream.write(c);
    });
    stream.on('end', () => stream.end());
    return;
  }
  stream.respond({ ':status': 200 });
  stream.end(`ok ${String(headers[':path'])}`);
}

let backend: http2.Http2Server;
const fronts: Array<{ port: number; child: ChildProcess }> = [];

async function startNghttpx(tls: boolean, backendPort: number): Promise<number> {
  const { certPath, keyPath } = await testCert();
  const port = await freePort();
  const args = [
    '--conf=/dev/null',
    `--frontend=127.0.0.1,${port}${tls ? '' : ';no-tls'}`,
    `--backend=127.0.0.1,${backendPort};;proto=h2`,
    '--workers=1',
    '--no-ocsp',
    '--log-level=ERROR',
    ...(tls ? [keyPath, certPath] : []),
  ];
  const child = spawn('nghttpx', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  fronts.push({ port, child });
  await waitForPort(port, 5_000, () => child.exitCode === null);
  return port;
}

const ports = new Map<boolean, number>();

beforeAll(async () => {
  backend = http2.createServer();
  backend.on('stream', backendApp);
  backend.listen(0, '127.0.0.1');
  await once(backend, 'listening');
  const backendPort = (backend.address() as net.AddressInfo).port;
  for (const tls of [true, false]) ports.set(tls, await startNghttpx(tls, backendPort));
});

afterAll(async () => {
  for (const { child } of fronts) {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  }
  await new Promise((r) => backend.close(r));
});

for (const tls of [true, false]) {
  describe(tls ? 'nghttpx, TLS (ALPN h2)' : 'nghttpx, h2c', () => {
    let client: ConnectedClient;
    beforeAll(() => {
      client = connectClient(ports.get(tls)!, tls);
    });
    afterAll(() => client.socket.destroy());

    it('GET through nghttpx', async () => {
      const ex = exchange(client.connection, '/hello');
      expect(await ex.done).toEqual({ kind: 'end' });
      expect(ex.status).toBe(200);
      expect(ex.body().toString()).toBe('ok /hello');
    });

    it('echoes 2 MiB with the backend\'s trailers, SHA-256 checked', async () => {
      const body = Buffer.alloc(2 << 20);
      for (let i = 0; i < body.length; i++) body[i] = (i * 31 + (i >> 8)) & 0xff;
      const ex = exchange(client.connection, '/echo', { body });
      expect(await ex.done).toEqual({ kind: 'end' });
      expect(sha256(ex.body())).toBe(sha256(body));
      expect(fieldOf(ex.trailers, 'x-sha256')).toBe(sha256(body));
    });

    it('150 requests queued through nghttpx\'s MAX_CONCURRENT_STREAMS of 100', async () => {
      const run = await requestAllQueued(ports.get(tls)!, tls, Array.from({ length: 150 }, (_, i) => `/n${i}`));
      run.client.socket.destroy();
      expect(run.client.connection.peerSettings.maxConcurrentStreams).toBe(100);
      expect(run.firstBatch).toBe(100);
      expect(run.outcomes.filter((o) => o.kind !== 'end')).toEqual([]);
      expect(run.exchanges.map((e) => e.body().toString())).toEqual(Array.from({ length: 150 }, (_, i) => `ok /n${i}`));
    });
  });
}
