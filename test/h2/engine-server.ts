/**
 * A listening engine server for tests: TLS with ALPN h2, or h2c with prior knowledge, each
 * accepted socket served by the engine with the test's handler and options.
 *
 * Lifecycle: `close()` stops listening and destroys every socket it accepted.
 */
import type * as http2 from 'node:http2';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { once } from 'node:events';
import { serveConnection, serveSocket } from '../../h2/server.js';
import type { Transport } from '../../h2/proto/transport.js';
import type { Connection } from '../../h2/proto/connection.js';
import type { ConnectionOptions, ServerHandler } from '../../h2/proto/connection-options.js';
import { afterEach } from 'vitest';
import { testCert } from '../helpers/tls-cert.js';

export interface EngineServer {
  port: number;
  /** https://127.0.0.1:port or http://127.0.0.1:port */
  url: string;
  readonly connections: Connection[];
  close(): Promise<void>;
}

export interface EngineServerOptions {
  tls: boolean;
  options?: ConnectionOptions;
  /** The transport for an accepted socket (default: the socket itself). */
  transport?: (socket: net.Socket) => Transport;
}

export async function startEngineServer(handler: ServerHandler, opts: EngineServerOptions): Promise<EngineServer> {
  const connections: Connection[] = [];
  const sockets = new Set<net.Socket>();
  const serve = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const connection = opts.transport ? serveConnection(opts.transport(socket), handler, opts.options) : serveSocket(socket, handler, opts.options);
    if (connection) connections.push(connection);
  };
  let server: net.Server;
  if (opts.tls) {
    const { cert, key } = await testCert();
    server = tls.createServer({ cert, key, ALPNProtocols: ['h2'] }, serve);
  } else {
    server = net.createServer(serve);
  }
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    connections,
    async close() {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** A test's engine server and the node:http2 session it talks to it with. */
export interface EnginePeers {
  server?: EngineServer;
  session?: http2.ClientHttp2Session;
}

/** Peers a test fills in; after each test the session is destroyed and the server closed. */
export function enginePeersPerTest(): EnginePeers {
  const peers: EnginePeers = {};
  afterEach(async () => {
    peers.session?.destroy();
    await peers.server?.close();
    peers.server = peers.session = undefined;
  });
  return peers;
}
