/**
 * The server role of the engine: one Connection per accepted transport, its streams handed to
 * the application's ServerHandler. Listening (net / tls with ALPN "h2") is the caller's.
 */
import type * as net from 'node:net';
import { Connection } from './proto/connection.js';
import type { ConnectionOptions, ServerHandler } from './proto/connection-options.js';
import { SocketTransport } from './proto/socket-transport.js';
import type { Transport } from './proto/transport.js';

/** Serves HTTP/2 on `transport` (h2race's link, or any Transport). */
export function serveConnection(transport: Transport, handler: ServerHandler, options?: ConnectionOptions): Connection {
  return new Connection(transport, handler, options);
}

/**
 * Serves HTTP/2 on an accepted socket: a TLSSocket that negotiated "h2", or a plain socket whose
 * client speaks h2c with prior knowledge. Undefined when the socket is already closed.
 */
export function serveSocket(socket: net.Socket, handler: ServerHandler, options?: ConnectionOptions): Connection | undefined {
  if (socket.destroyed) return undefined;
  return serveConnection(new SocketTransport(socket, options?.linger), handler, options);
}
