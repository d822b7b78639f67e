/**
 * The embedded demo origin: the demo routes (handler.ts) on up to three listeners —
 *
 *   tls  : HTTP/2 over TLS, HTTP/1.1 via ALPN (allowHTTP1)   → https://host:port
 *   h2c  : cleartext HTTP/2 with prior knowledge               → h2c://host:port
 *   http : HTTP/1.1                                            → http://host:port
 *
 * Lifecycle: startDemoOrigin owns its servers and every session and socket they accept; close()
 * is the one place they end (sessions and sockets are destroyed, since SSE streams never finish).
 */
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import { createDemoHandler, type DemoHandlerOptions } from './handler.js';
import { generateSelfSigned, withFingerprint, type CertPair } from './cert.js';
import type { DemoHandler, DemoRequest, DemoResponse } from './types.js';

export interface ListenAddress {
  host: string;
  port: number;
}

export type ListenerKind = 'tls' | 'h2c' | 'http';

export interface DemoOriginOptions extends DemoHandlerOptions {
  /** Each listener is started only when given; when none is given all three start on 127.0.0.1:0. */
  tls?: ListenAddress;
  h2c?: ListenAddress;
  http?: ListenAddress;
  /** PEM certificate and key for the TLS listener; a self-signed pair is generated when absent. */
  cert?: { cert: string; key: string };
  /** HTTP/2 SETTINGS the origin advertises (both h2 listeners). */
  http2Settings?: http2.Settings;
  /** Replaces the demo routes (tests wrap createDemoHandler() to misbehave on purpose). */
  handler?: DemoHandler;
  logger?: Logger;
}

export interface DemoOrigin {
  /** Base URL per started listener (no trailing slash). */
  readonly urls: Partial<Record<ListenerKind, string>>;
  readonly addresses: Partial<Record<ListenerKind, AddressInfo>>;
  /** The TLS listener's certificate (clients may pin it as their CA). */
  readonly cert?: CertPair;
  close(): Promise<void>;
}

const SCHEME: Record<ListenerKind, string> = { tls: 'https', h2c: 'h2c', http: 'http' };

/**
 * node:http2's per-session memory cap, in MB (node's default is 10). Node counts the bytes a
 * stream has queued against its session until nghttp2 sends them, and a stream reset with bytes
 * still queued never gives them back (Node 20: DecrementAvailableOutboundLength runs only when
 * nghttp2 takes data). Every seek a viewer makes through a slow link resets a range with a 16 KiB
 * chunk queued, so a session's count grows ~16 KiB per seek while its real memory does not
 * (measured: 609 cancels on one session with the default cap, then every new stream refused with
 * RST_STREAM(ENHANCE_YOUR_CALM), and past 100 refusals the session torn down). A proxy pools all
 * its viewers on one upstream session: 8 viewers seeking 3 times a second reach that in 25 s.
 * The demo origin must serve any run, so the cap is set where no run reaches it (10^6 MB: 6×10^7
 * seeks); node stores it as a uint32, so Infinity would be 0 and refuse everything.
 */
const SESSION_MEMORY_MB = 1_000_000;
/** The receive window each HTTP/2 session grants, as browsers and h2race's front do (15-16 MiB). */
const CONNECTION_WINDOW = 16 * 1024 * 1024;

type AnyServer = http.Server | http2.Http2Server | http2.Http2SecureServer;

export async function startDemoOrigin(opts: DemoOriginOptions = {}): Promise<DemoOrigin> {
  const wanted: Partial<Record<ListenerKind, ListenAddress>> =
    opts.tls || opts.h2c || opts.http
      ? { tls: opts.tls, h2c: opts.h2c, http: opts.http }
      : { tls: { host: '127.0.0.1', port: 0 }, h2c: { host: '127.0.0.1', port: 0 }, http: { host: '127.0.0.1', port: 0 } };
  const routes = opts.handler ?? createDemoHandler(opts);
  const handler = (req: DemoRequest, res: DemoResponse): void => {
    try {
      routes(req, res);
    } catch (err) {
      opts.logger?.error({ err, url: req.url }, 'demo origin route failed');
      res.destroy(err as Error);
    }
  };

  const cert = wanted.tls ? (opts.cert ? withFingerprint(opts.cert) : await generateSelfSigned()) : undefined;
  const sessions = new Set<http2.Http2Session>();
  const sockets = new Set<Socket>();
  const servers: AnyServer[] = [];
  const urls: Partial<Record<ListenerKind, string>> = {};
  const addresses: Partial<Record<ListenerKind, AddressInfo>> = {};

  const track = (server: AnyServer): void => {
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    server.on('session', (session: http2.Http2Session) => {
      sessions.add(session);
      // node's connection window is 64 KiB: a few uploads to a slow route (/echo?rate=) would fill
      // it and hold up every other upload on the session, the proxy's pooled one above all.
      session.setLocalWindowSize(CONNECTION_WINDOW);
      // A session error (a client that misbehaves) ends that session only.
      session.on('error', (err) => opts.logger?.debug({ err }, 'demo origin session error'));
      session.once('close', () => sessions.delete(session));
    });
  };

  const close = async (): Promise<void> => {
    const closed = servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    for (const session of sessions) session.destroy();
    for (const socket of sockets) socket.destroy();
    await Promise.all(closed);
  };

  try {
    for (const kind of ['tls', 'h2c', 'http'] as const) {
      const at = wanted[kind];
      if (!at) continue;
      const server: AnyServer =
        kind === 'tls'
          ? http2.createSecureServer(
              { cert: cert!.cert, key: cert!.key, allowHTTP1: true, settings: opts.http2Settings, maxSessionMemory: SESSION_MEMORY_MB },
              handler as never,
            )
          : kind === 'h2c'
            ? http2.createServer({ settings: opts.http2Settings, maxSessionMemory: SESSION_MEMORY_MB }, handler as never)
            : http.createServer(handler as never);
      servers.push(server);
      track(server);
      const address = await listen(server, at, kind);
      addresses[kind] = address;
      urls[kind] = `${SCHEME[kind]}://${hostForUrl(address.address)}:${address.port}`;
    }
  } catch (err) {
    await close();
    throw err;
  }
  opts.logger?.info({ urls }, 'demo origin listening');
  return { urls, addresses, cert, close };
}

function listen(server: AnyServer, at: ListenAddress, kind: ListenerKind): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(new Error(`demo origin: cannot listen (${kind}) on ${at.host}:${at.port}: ${err.code ?? err.message}`));
    };
    server.once('error', onError);
    server.listen(at.port, at.host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

function hostForUrl(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/** Parses `host:port` / `[v6]:port` / `:port` / `port` (the CLI's listener syntax). */
export function parseListenAddress(text: string, field: string): ListenAddress {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) {
    throw new Error(`${field}: expected host:port (e.g. 127.0.0.1:9443), got "${text}"`);
  }
  return { host: m[1] || m[2] || '127.0.0.1', port };
}
