/**
 * The client role of the engine: one ClientConnection per transport, requests opened on it with
 * request(). Connecting (net.connect for h2c with prior knowledge, tls.connect with ALPN ["h2"])
 * and checking the negotiated protocol are the caller's.
 */
import { ClientConnection, type ClientConnectionOptions } from './proto/client-connection.js';
import type { ByteSocket } from './proto/socket-backed-transport.js';
import { SocketTransport } from './proto/socket-transport.js';
import type { Transport } from './proto/transport.js';

/** Speaks HTTP/2 as the client on `transport` (h2race's link, or any Transport). */
export function clientConnection(transport: Transport, options?: ClientConnectionOptions): ClientConnection {
  return new ClientConnection(transport, options);
}

/**
 * Speaks HTTP/2 as the client on a socket, connected or still connecting (the preface waits in
 * the socket's buffer): a TLSSocket that negotiates "h2", or a plain one for h2c, or a Duplex
 * standing for a socket (a link that shapes its bytes). Undefined when the socket is already destroyed.
 */
export function connectSocket(socket: ByteSocket, options?: ClientConnectionOptions): ClientConnection | undefined {
  if (socket.destroyed) return undefined;
  return clientConnection(new SocketTransport(socket, options?.linger), options);
}
