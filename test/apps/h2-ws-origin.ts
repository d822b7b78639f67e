/**
 * A WebSocket origin over HTTP/2 (RFC 8441) for tests: a node:http2 server (h2c, or TLS h2 with
 * the test cert) that, with `enableConnectProtocol`, advertises SETTINGS_ENABLE_CONNECT_PROTOCOL,
 * accepts CONNECT :protocol websocket streams and runs the real `ws` WebSocket server-side on each
 * (./h2-websocket.ts webSocketOn), with ./ws-origin.ts's echo and commands. `/forbidden` is refused
 * with a 403 and a body; `/raw` is accepted with no WebSocket on it (its bytes are the test's: the
 * stream in `tunnels`, paused until read). Any other request gets 200 and `plain <path>`. Every tunnel's request head
 * and stream, and which connection carried each stream, are recorded. With `http1` (TLS only) it
 * offers HTTP/1.1 in ALPN too, and takes RFC 6455 Upgrades there as ./ws-origin.ts does.
 *
 * Lifecycle: close() destroys every session and closes the server.
 */
import { once } from 'node:events';
import * as http2 from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { testCert } from '../helpers/tls-cert.js';
import { webSocketOn } from './h2-websocket.js';
import { serve, upgradesTo, type WsOrigin } from './ws-origin.js';

export interface H2WsOrigin extends WsOrigin {
  /** The extended CONNECT streams, in the order they came. */
  tunnels: http2.ServerHttp2Stream[];
  /** Per stream (tunnel or request), in order: its path and the index of the connection that carried it. */
  streams: { method: string; path: string; connection: number }[];
  /** Connections accepted so far. */
  connections: number;
  /** A graceful GOAWAY on every connection open now: their open streams go on, no new ones. */
  goaway(): void;
}

export async function startH2WsOrigin(opts: { tls: boolean; enableConnectProtocol: boolean; http1?: boolean }): Promise<H2WsOrigin> {
  const settings = { enableConnectProtocol: opts.enableConnectProtocol };
  const { cert, key } = await testCert();
  const server = opts.tls ? http2.createSecureServer({ cert, key, settings, allowHTTP1: opts.http1 ?? false }) : http2.createServer({ settings });
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  const sessions = new Map<http2.ServerHttp2Session, number>();
  const origin: H2WsOrigin = {
    url: '',
    upgrades: [],
    closes: [],
    open: new Set(),
    tunnels: [],
    streams: [],
    connections: 0,
    goaway() {
      for (const s of sessions.keys()) s.close();
    },
    async close() {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
  server.on('session', (session: http2.ServerHttp2Session) => {
    sessions.set(session, origin.connections++);
    session.on('error', () => {});
    session.once('close', () => sessions.delete(session));
  });
  server.on('upgrade', upgradesTo(origin));
  server.on('stream', (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
    stream.on('error', () => {});
    const method = String(headers[':method']);
    const path = String(headers[':path']);
    origin.streams.push({ method, path, connection: sessions.get(stream.session as http2.ServerHttp2Session) ?? -1 });
    if (method !== 'CONNECT') {
      stream.respond({ ':status': 200, 'content-type': 'text/plain' });
      return void stream.end(`plain ${path}\n`);
    }
    origin.upgrades.push(headers);
    origin.tunnels.push(stream);
    if (path === '/forbidden') {
      stream.respond({ ':status': 403, 'content-type': 'text/plain', 'x-origin': 'ws' });
      return void stream.end('forbidden\n');
    }
    stream.respond({ ':status': 200 });
    if (path !== '/raw') serve(origin, webSocketOn(stream, 'server'));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  origin.url = `${opts.tls ? 'https' : 'h2c'}://127.0.0.1:${port}`;
  return origin;
}
