/**
 * The engine's client role against node:http2 servers, over TLS (ALPN h2) and h2c: bodies and
 * trailers both ways, 1xx, MAX_CONCURRENT_STREAMS queuing, GOAWAY and REFUSED_STREAM as
 * "unprocessed", resets, flow control driven by consumed(), and stream id exhaustion.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import * as http2 from 'node:http2';
import type * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../h2/frame/constants.js';
import type { ClientConnectionOptions } from '../../../h2/proto/client-connection.js';
import { testCert } from '../../helpers/tls-cert.js';
import { waitFor } from '../../helpers/wait.js';
import { connectClient, exchange, type ConnectedClient } from './engine-client.js';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

let server: http2.Http2Server | undefined;
const clients: ConnectedClient[] = [];
const serverSessions = new Set<http2.ServerHttp2Session>();

async function startNodeServer(useTls: boolean, onStream: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void, settings: http2.Settings = {}): Promise<number> {
  if (useTls) {
    const { cert, key } = await testCert();
    server = http2.createSecureServer({ cert, key, settings });
  } else {
    server = http2.createServer({ settings });
  }
  server.on('stream', onStream);
  server.on('session', (s: http2.ServerHttp2Session) => {
    serverSessions.add(s);
    s.on('close', () => serverSessions.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

function connect(port: number, useTls: boolean, options?: ClientConnectionOptions): ConnectedClient {
  const client = connectClient(port, useTls, options);
  clients.push(client);
  return client;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.socket.destroy();
  for (const s of serverSessions) s.destroy();
  if (server) await new Promise((r) => server!.close(r));
  server = undefined;
});

for (const useTls of [true, false]) {
  describe(useTls ? 'TLS (ALPN h2)' : 'h2c (prior knowledge)', () => {
    it('GET', async () => {
      const port = await startNodeServer(useTls, (stream, headers) => {
        stream.respond({ ':status': 200, 'x-path': String(headers[':path']), 'x-method': String(headers[':method']) });
        stream.end('hello');
      });
      const { connection } = connect(port, useTls);
      const ex = exchange(connection, '/a?b=1');
      expect(await ex.done).toEqual({ kind: 'end' });
      expect(ex.status).toBe(200);
      expect(ex.field('x-path')).toBe('/a?b=1');
      expect(ex.field('x-method')).toBe('GET');
      expect(ex.body().toString()).toBe('hello');
    });
  });
}
