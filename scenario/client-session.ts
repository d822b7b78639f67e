/**
 * Opens node:http2 client sessions the way a browser does: TLS with ALPN h2 (self-signed
 * certificates accepted unless a CA is given), or cleartext h2c for `h2c://`/`http://` targets,
 * with Chrome's flow-control windows — 6 MiB per stream, 15 MiB per connection — so a server runs
 * ahead of a slow link exactly as it does for a real viewer.
 */
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import type { FrameTapEvents, FrameTapRelay } from './frame-tap.js';

const BROWSER_STREAM_WINDOW = 6 * 1024 * 1024;
const BROWSER_CONNECTION_WINDOW = 15 * 1024 * 1024;
/** Streams node:http2 opens before the server's SETTINGS tell its limit (node's own default: 100). */
const UNKNOWN_PEER_STREAM_LIMIT = 1000;

export interface TargetOptions {
  /** https://host:port (TLS h2) or h2c://host:port / http://host:port (cleartext prior knowledge). */
  url: string;
  /** PEM CA to verify the target with; when absent, any certificate is accepted. */
  ca?: string;
  /**
   * Dial this address instead of the URL's (a shaping relay in front of the target); SNI,
   * :authority and the certificate check still name the URL's host.
   */
  via?: { host: string; port: number };
}

/** The schemes a target URL may have: the CLI's --target check takes them from here. */
export const TARGET_SCHEMES: readonly string[] = ['https:', 'h2c:', 'http:'];

/** Validates a target URL; a one-line error names the field. */
export function parseTarget(url: string, field: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${field}: "${url}" is not a URL (expected https://host:port or h2c://host:port)`);
  }
  if (!TARGET_SCHEMES.includes(parsed.protocol)) {
    throw new Error(`${field}: scheme ${parsed.protocol} is not supported (https: for h2 over TLS, h2c: for cleartext)`);
  }
  return parsed;
}

/** A session to the target; with `tap`, its frames pass through the relay (frame-tap.ts). */
export function openSession(
  target: TargetOptions,
  tap?: { relay: FrameTapRelay; events: FrameTapEvents },
): http2.ClientHttp2Session {
  const url = parseTarget(target.url, 'target');
  const secure = url.protocol === 'https:';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || (secure ? 443 : 80));
  const dial = target.via ?? { host, port };
  const connectTarget = (): net.Socket => {
    const socket = secure
      ? tls.connect({
          host: dial.host,
          port: dial.port,
          servername: net.isIP(host) ? undefined : host,
          // Without a servername node checks the name it dialed: the relay's, not the target's.
          checkServerIdentity: (_name, cert) => tls.checkServerIdentity(host, cert),
          ALPNProtocols: ['h2'],
          ca: target.ca,
          rejectUnauthorized: target.ca !== undefined,
        })
      : net.connect(dial);
    socket.setNoDelay(true);
    return socket;
  };
  // The session's own scheme decides nothing below: the socket is ready-made.
  const session = http2.connect(`${secure ? 'https' : 'http'}://${url.host}`, {
    settings: { initialWindowSize: BROWSER_STREAM_WINDOW, enablePush: false },
    // Before the server's SETTINGS the limit is unknown: a burst goes out whole (and may be refused), as h2 allows.
    peerMaxConcurrentStreams: UNKNOWN_PEER_STREAM_LIMIT,
    createConnection: () => (tap ? tap.relay.connect({ events: tap.events, connectTarget }) : connectTarget()),
  });
  session.once('connect', () => session.setLocalWindowSize(BROWSER_CONNECTION_WINDOW));
  return session;
}
