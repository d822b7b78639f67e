/**
 * Where the frame path and links plug into the proxy. A wrapper sees each connection before
 * HTTP/2 (or HTTP/1.1 upstream) runs over it and returns the Duplex the protocol runs on.
 * Without a wrapper the protocol runs on the socket itself (the fast, native path).
 *
 *   downstream: TLS/TCP socket ──wrap()──▶ Duplex ──▶ http2 server session
 *   upstream:   TCP socket ──wrap()──▶ Duplex ──▶ (TLS) ──▶ http2 client session | HTTP/1.1 agent
 *
 * A wrapped session's `session.socket` is not the real socket (no addresses, no setNoDelay, ALPN
 * reads `h2c`): the proxy keeps the real socket's facts in ConnectionInfo and sets TCP options on
 * the real socket itself.
 */
import type * as http2 from 'node:http2';
import type * as net from 'node:net';
import type * as stream from 'node:stream';

export interface ConnectionInfo {
  id: number;
  remoteAddress?: string;
  remotePort?: number;
  alpn: string | false;
  tls: boolean;
}

export interface DownstreamWrapper {
  /** For each new HTTP/2 connection, before its session exists: the Duplex the session runs over. */
  wrap(socket: net.Socket, info: ConnectionInfo): stream.Duplex;
  /** Called synchronously when the session over that Duplex is created (the 'session' event fires inside emit('connection')). */
  sessionCreated?(duplex: stream.Duplex, session: http2.ServerHttp2Session, info: ConnectionInfo): void;
  /**
   * For an HTTP/1.1 connection that became a tunnel (a WebSocket Upgrade), as the front hands it
   * over: the Duplex the tunnel's bytes run over (the downstream link; no frame path, there are
   * no HTTP/2 frames in it). Without it the tunnel runs on the socket.
   */
  wrapTunnel?(socket: net.Socket, info: ConnectionInfo): stream.Duplex;
}

export interface UpstreamWrapper {
  /** For each new upstream connection (h2, h2c or h1): the Duplex the client side runs over (a link shapes it). */
  wrap(socket: net.Socket, info: { id: number; origin: URL }): stream.Duplex;
}
