/**
 * Where the engine path and links plug into the proxy. A wrapper sees each connection before
 * HTTP/2 (or HTTP/1.1 upstream) runs over it. Without a wrapper the protocol runs on the socket
 * itself (no pool faults, no link).
 *
 *   downstream: TLS/TCP socket ──serveEngine()──▶ EnginePath (pool, frame toxics, link) ──▶ engine Connection
 *               HTTP/1.1 tunnel ──wrapTunnel()──▶ Duplex (the downstream link)
 *   upstream:   TCP socket ──wrap()──▶ Duplex ──▶ (TLS) ──▶ http2 client session | HTTP/1.1 agent
 *
 * A wrapped upstream session's `session.socket` is not the real socket (no addresses, no
 * setNoDelay, ALPN reads `h2c`): the proxy keeps the real socket's facts in ConnectionInfo and sets
 * TCP options on the real socket itself.
 */
import type { Connection } from '../h2/proto/connection.js';
import type { ConnectionOptions, ServerHandler } from '../h2/proto/connection-options.js';
import type * as net from 'node:net';
import type * as stream from 'node:stream';

export interface ConnectionInfo {
  id: number;
  remoteAddress?: string;
  remotePort?: number;
  alpn: string | false;
  tls: boolean;
  /**
   * What of each stream's response reached the client's socket: set by a downstream wrapper that
   * writes the socket itself (the engine path). Without one, the stream log can only count the
   * bytes handed to the engine.
   */
  delivery?: DeliveryLedger;
}

/** What of one stream's response the client's link wrote to the socket. */
export interface StreamDelivery {
  /** Payload bytes of the stream's DATA frames written to the socket (padding excluded). */
  bodyBytes: number;
  /** When the last of those frames was written (performance.now() ms); undefined if none was. */
  lastWriteAt: number | undefined;
  /** The frame carrying END_STREAM was written: the client has the whole response. */
  endWritten: boolean;
  /** h2race cancelled the stream itself (rst_inject) while some of its frames were unwritten. */
  injectedCancel: boolean;
}

/** Hears a stream's delivery once it is settled (DeliveryLedger.whenSettled). */
export interface DeliveryListener {
  delivered(delivery: StreamDelivery): void;
}

/**
 * Per stream, from `open` (the stream reaches the proxy) to the answer of `whenSettled` (the
 * stream has closed and every frame the session wrote for it was written or dropped): a stream's
 * entry ends there, once; frames of a stream not open are not counted.
 */
export interface DeliveryLedger {
  open(streamId: number): void;
  /** Tells `listener` once none of the stream's frames is still queued on the way to the socket. */
  whenSettled(streamId: number, listener: DeliveryListener): void;
}

export interface DownstreamWrapper {
  /**
   * Serves a new HTTP/2 connection (TLS h2 or h2c) with h2race's engine, the wrapper's pool, link
   * and frame toxics around it. Without it the engine runs on the socket itself.
   */
  serveEngine?(socket: net.Socket, info: ConnectionInfo, handler: ServerHandler, options: ConnectionOptions): Connection;
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
  /**
   * Whether wrap() would give a connection opened now another Duplex (a link); absent: taken as
   * yes. A TLS origin's connection without one skips wrap() and reads into reused buffers.
   */
  linksNext?(): boolean;
}
