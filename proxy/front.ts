/**
 * The proxy's listeners and the downstream connections they accept.
 *
 *   TLS listener ─ ALPN h2 ───────┐
 *   h2c listener (cleartext) ─────┴─▶ serveEngine() ─▶ engine Connection ─▶ DownstreamBridge ─▶ request handler
 *   TLS listener ─ ALPN http/1.1 or none ───▶ http server (HTTP/1.1) ──▶ request handler
 *                                                   └ Upgrade ─▶ wrapTunnel() ─▶ upgrade handler
 *
 * The http server never listens; sockets are handed to it with emit('connection'). So it cannot
 * track or close its connections: this file does (engine connections and HTTP/1.1 sockets are
 * each held from accept to their close, the one place they are dropped).
 */
import { once } from 'node:events';
import * as http from 'node:http';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import type { Logger } from 'pino';
import type { ProxyConfig } from '../config/proxy-schema.js';
import type { Connection } from '../h2/proto/connection.js';
import type { ConnectionOptions, ServerHandler } from '../h2/proto/connection-options.js';
import { bugModelOptions, type BugModel } from '../h2/proto/bug-models/catalogue.js';
import { ErrorCode } from '../h2/frame/constants.js';
import { serveSocket } from '../h2/server.js';
import { ConnectionEnding } from './connection-ending.js';
import { ConnectionMemory } from './connection-memory.js';
import { DownstreamBridge } from './downstream-bridge.js';
import { IdleSweep } from './idle-sweep.js';
import { engineSettings } from './engine-settings.js';
import { parseListenAddress } from '../config/proxy-schema.js';
import type { ConnectionInfo, DownstreamWrapper } from './connection-wrapper.js';
import type { ProxyEvents } from './events.js';
import type { RequestHandler } from './forward.js';
import type { UpgradeHandler } from './forward-ws.js';
import { socketLike } from './socket-like.js';

export interface FrontOptions {
  cert: string;
  key: string;
  downstream: ProxyConfig['downstream'];
  /** The bug models of the downstream connections (README, "The catalogue"). */
  bugModels: readonly BugModel[];
  /** The upstream stream window: what a stream paused upstream can pin (ConnectionMemory). */
  upstreamStreamWindow: number;
  wrapper?: DownstreamWrapper;
  onRequest: RequestHandler;
  /** HTTP/1.1 requests with Upgrade: the connection is the handler's from then on. */
  onUpgrade: UpgradeHandler;
  /** Gets every TLS secret of the front's handshakes (the key log). */
  keylog?: (line: Buffer) => void;
  events: ProxyEvents;
  logger: Logger;
}

export class ListenError extends Error {
  constructor(readonly address: string, cause: NodeJS.ErrnoException) {
    super(`cannot listen on ${address}: ${cause.code === 'EADDRINUSE' ? 'address already in use' : cause.code === 'EACCES' ? 'permission denied' : cause.code ?? cause.message}`, { cause });
    this.name = 'ListenError';
  }
}

interface H1Connection {
  info: ConnectionInfo;
  requests: number;
  active: number;
  /** Runs while the connection waits for a request's headers; cleared when they are complete. */
  headersTimer?: NodeJS.Timeout;
}

let nextConnectionId = 1;

/** The engine's per-stream response queue (its write() says false beyond it). */
const ENGINE_STREAM_QUEUE_BYTES = 64 * 1024;
/** What an EngineStream over a bridge (the HTTP/1.1 upstream path) buffers: a Duplex's default high-water mark, and its held write. */
const STREAM_WRITABLE_BYTES = 2 * 16 * 1024;

export class Front {
  private readonly tlsServer: tls.Server;
  private readonly h2cServer: net.Server;
  private readonly h1Server: http.Server;
  /** Each engine connection with the one reporter of its end. */
  private readonly engineConnections = new Map<Connection, ConnectionEnding>();
  private readonly h1Sockets = new Map<net.Socket, H1Connection>();
  private closing = false;
  /** close()'s wait, ended when the last connection is dropped. */
  private onEmpty?: () => void;

  constructor(private readonly opts: FrontOptions) {
    const { downstream } = opts;
    this.h1Server = http.createServer({ keepAlive: true });
    // Idle HTTP/1.1 connections (no bytes either way) are cut, as idle HTTP/2 streams are closed.
    this.h1Server.timeout = downstream.streamIdleTimeoutMs;
    const onH1Request = (req: http.IncomingMessage, res: http.ServerResponse) => {
      const conn = this.h1Sockets.get(req.socket);
      if (!conn) return res.destroy();
      clearTimeout(conn.headersTimer);
      conn.active++;
      conn.requests++;
      if (this.closing) res.shouldKeepAlive = false;
      res.once('close', () => {
        conn.active--;
        if (this.closing && conn.active === 0) req.socket.end();
        else if (conn.active === 0) this.awaitHeaders(req.socket, conn);
      });
      opts.onRequest({ req, res }, conn.info, conn.requests);
    };
    this.h1Server.on('request', onH1Request);
    this.h1Server.on('checkContinue', onH1Request);
    this.h1Server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      const conn = this.h1Sockets.get(socket);
      if (!conn || this.closing) return void socket.destroy();
      clearTimeout(conn.headersTimer);
      // Never back to 0: the connection is the tunnel's until it closes.
      conn.active++;
      conn.requests++;
      const wrapped = opts.wrapper?.wrapTunnel?.(socket, conn.info);
      opts.onUpgrade({ req, socket: wrapped ? socketLike(wrapped, socket) : socket, head }, conn.info, conn.requests);
    });
    this.h1Server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
      opts.logger.debug({ err: err.code ?? err.message }, 'bad HTTP/1.1 request');
      socket.destroy();
    });

    this.tlsServer = tls.createServer({
      cert: opts.cert,
      key: opts.key,
      ALPNProtocols: ['h2', 'http/1.1'],
      handshakeTimeout: downstream.tlsHandshakeTimeoutMs,
    }, (socket) => {
      const info = this.info(socket, socket.alpnProtocol ?? false, true);
      if (socket.alpnProtocol === 'h2') this.attachEngine(socket, info);
      else this.attachH1(socket, info);
    });
    const { keylog } = opts;
    if (keylog) this.tlsServer.on('keylog', (line: Buffer) => keylog(line));
    this.tlsServer.on('tlsClientError', (err: NodeJS.ErrnoException, socket: tls.TLSSocket) => {
      opts.logger.debug({ err: err.code ?? err.message }, 'TLS handshake failed');
      socket.destroy();
    });
    this.h2cServer = net.createServer((socket) => this.attachEngine(socket, this.info(socket, 'h2c', false)));
  }

  listenTls(address: string): Promise<net.AddressInfo> {
    return listen(this.tlsServer, address);
  }

  listenH2c(address: string): Promise<net.AddressInfo> {
    return listen(this.h2cServer, address);
  }

  get connectionCount(): number {
    return this.engineConnections.size + this.h1Sockets.size;
  }

  /** Stops accepting, sends GOAWAY, lets streams finish until `deadlineMs`, then cuts the rest. */
  async close(deadlineMs: number): Promise<void> {
    this.closing = true;
    this.tlsServer.close();
    this.h2cServer.close();
    for (const [connection, ending] of this.engineConnections) ending.close(connection, 'shutdown');
    for (const [socket, conn] of this.h1Sockets) if (conn.active === 0) socket.end();
    if (this.connectionCount > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.onEmpty = resolve;
        timer = setTimeout(resolve, deadlineMs);
      });
      clearTimeout(timer);
    }
    this.destroy();
  }

  destroy(): void {
    this.closing = true;
    this.tlsServer.close();
    this.h2cServer.close();
    for (const connection of this.engineConnections.keys()) connection.destroy();
    for (const socket of this.h1Sockets.keys()) socket.destroy();
  }

  /** A connection left the front (one of the two places it is dropped): close() may be done waiting. */
  private dropped(): void {
    if (this.connectionCount === 0) this.onEmpty?.();
  }

  private info(socket: net.Socket, alpn: string | false, tlsOn: boolean): ConnectionInfo {
    socket.setNoDelay(true);
    return { id: nextConnectionId++, remoteAddress: socket.remoteAddress, remotePort: socket.remotePort, alpn, tls: tlsOn };
  }

  /** An HTTP/2 connection (TLS h2 or h2c): each stream goes to the request handler as a DownstreamBridge. */
  private attachEngine(socket: net.Socket, info: ConnectionInfo): void {
    if (this.closing) return void socket.destroy();
    const { downstream, events, logger, wrapper } = this.opts;
    socket.on('error', (err: NodeJS.ErrnoException) => logger.debug({ connection: info.id, err: err.code ?? err.message }, 'downstream socket error'));
    const idleSweep = downstream.streamIdleTimeoutMs > 0 ? new IdleSweep(downstream.streamIdleTimeoutMs) : undefined;
    const memory = new ConnectionMemory(downstream.connectionMemoryMiB * 2 ** 20, this.opts.upstreamStreamWindow + ENGINE_STREAM_QUEUE_BYTES + STREAM_WRITABLE_BYTES);
    const handler: ServerHandler = {
      onStream: (stream, head) => {
        const bornStalled = connection !== undefined && connection.peerSettings.initialWindowSize <= 0;
        if (!memory.admits(bornStalled)) {
          logger.debug({ connection: info.id, stream: stream.id, heldBytes: memory.heldBytes }, 'stream refused: the connection holds its memory cap');
          stream.reset(ErrorCode.REFUSED_STREAM);
          return {};
        }
        const bridge = new DownstreamBridge(stream, head, bornStalled, memory, idleSweep);
        memory.add(bridge);
        this.opts.onRequest(bridge, info, stream.id);
        return bridge;
      },
    };
    // `let`, not `const`: onClose may run inside serveSocket, before the assignment (a const would throw there).
    // eslint-disable-next-line prefer-const
    let connection: Connection | undefined;
    const ending = new ConnectionEnding('downstream', info.id, events, logger);
    const options: ConnectionOptions = {
      id: info.id,
      // RFC 8441: clients may open WebSockets as extended CONNECT streams (proxy/forward-connect.ts).
      settings: { ...engineSettings(downstream.settings), enableConnectProtocol: true },
      connectionWindowSize: downstream.connectionWindowSize,
      streamHighWaterMark: ENGINE_STREAM_QUEUE_BYTES,
      floodLimits: downstream.floodLimits,
      ...bugModelOptions(this.opts.bugModels),
      observer: {
        onGoawaySent: (goaway) => ending.sent(goaway),
        onGoawayReceived: (goaway) => ending.received(goaway),
        onError: (err) => logger.debug({ connection: info.id, err: err.message }, 'downstream connection failed'),
        onClose: () => {
          if (connection) connectionEnded(connection);
          else closedAtBirth = true;
        },
      },
    };
    /** The one place an engine connection leaves the front: its end reported, it forgotten. */
    const connectionEnded = (ended: Connection): void => {
      ending.closed(ended.stats().lastStreamId);
      this.engineConnections.delete(ended);
      this.dropped();
    };
    let closedAtBirth = false;
    connection = wrapper?.serveEngine ? wrapper.serveEngine(socket, info, handler, options) : serveSocket(socket, handler, options);
    if (!connection) return;
    // A socket that closed inside serveSocket never joins: otherwise close() would wait its whole
    // deadline for a connection that is already gone.
    if (closedAtBirth) connectionEnded(connection);
    else this.engineConnections.set(connection, ending);
  }

  private attachH1(socket: tls.TLSSocket, info: ConnectionInfo): void {
    if (this.closing) return void socket.destroy();
    const conn: H1Connection = { info, requests: 0, active: 0 };
    this.h1Sockets.set(socket, conn);
    socket.once('close', () => {
      clearTimeout(conn.headersTimer);
      this.h1Sockets.delete(socket);
      this.dropped();
    });
    this.awaitHeaders(socket, conn);
    this.h1Server.emit('connection', socket);
  }

  /** The next request's headers must be complete in time (a slowloris drip is cut). */
  private awaitHeaders(socket: Duplex, conn: H1Connection): void {
    const ms = this.opts.downstream.requestHeadersTimeoutMs;
    if (ms === 0 || socket.destroyed) return;
    clearTimeout(conn.headersTimer);
    conn.headersTimer = setTimeout(() => {
      this.opts.logger.debug({ connection: conn.info.id, ms }, 'HTTP/1.1 request headers not complete in time');
      socket.destroy();
    }, ms);
  }
}

async function listen(server: net.Server, address: string): Promise<net.AddressInfo> {
  const parsed = parseListenAddress(address);
  if (!parsed) throw new Error(`not a listen address (host:port): ${address}`);
  server.listen(parsed.port, parsed.host);
  try {
    await once(server, 'listening'); // rejects on 'error'
  } catch (err) {
    throw new ListenError(address, err as NodeJS.ErrnoException);
  }
  return server.address() as net.AddressInfo;
}

