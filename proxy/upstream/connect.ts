/**
 * Opens one upstream connection: TCP, then the upstream wrapper (a link shapes the bytes on the
 * wire), then TLS over it for https://. Resolves once the transport is ready for a protocol
 * (TLS handshake done, ALPN known); fails with a classified UpstreamError, or a connect timeout.
 */
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import type { Logger } from 'pino';
import type { ReadBuffers } from '../../h2/frame/read-buffers.js';
import type { UpstreamWrapper } from '../connection-wrapper.js';
import type { ProxyEvents } from '../events.js';
import { UpstreamError, connectError } from './errors.js';

/** What each maker of upstream connections (the h2 pool, the HTTP/1.1 agent) is given. */
export interface UpstreamConnectionOptions {
  origin: URL;
  /** TLS (https://) or cleartext (h2c://, http://). */
  tls: boolean;
  idleTimeoutMs: number;
  connectTimeoutMs: number;
  rejectUnauthorized: boolean;
  ca?: string;
  wrapper?: UpstreamWrapper;
  /** Gets every TLS secret of the upstream handshakes (the key log). */
  keylog?: (line: Buffer) => void;
  events: ProxyEvents;
  logger: Logger;
}

export interface UpstreamTransport {
  id: number;
  /** What the protocol runs over: the TLS socket, the wrapper's Duplex, or the TCP socket. */
  stream: Duplex;
  /** The socket under it (for destroy and TCP options): the TCP one, or the TLS socket when TLS made its own (read buffers, no link). */
  socket: net.Socket;
  alpn: string | false;
}

let nextUpstreamId = 1;

/** Where a socket to `origin` goes: its host without IPv6 brackets, its port or the scheme's default. */
export function originEndpoint(origin: URL): { host: string; port: number } {
  return { host: origin.hostname.replace(/^\[|\]$/g, ''), port: Number(origin.port) || (origin.protocol === 'https:' ? 443 : 80) };
}

/**
 * One connection for a pool or agent, asking TLS for `alpn` when the origin uses TLS. With
 * `readBuffers`, the connection reads into its reused buffers (h2/frame/read-buffers.ts), for a
 * caller whose reader holds what it keeps (the engine): a cleartext one always (through a link,
 * as copies); a TLS one when no link goes under it, TLS then making its own TCP socket (Node reads
 * TLS into the buffers only so; over a socket given to it, TLS reads that socket itself).
 */
export function connectFor(opts: UpstreamConnectionOptions, alpn: string[], readBuffers?: ReadBuffers): Promise<UpstreamTransport> {
  const id = nextUpstreamId++;
  const { origin } = opts;
  const { host, port } = originEndpoint(origin);
  const tlsOptions = { servername: net.isIP(host) ? undefined : host, ALPNProtocols: alpn, rejectUnauthorized: opts.rejectUnauthorized, ca: opts.ca };
  // A wrapper that cannot say whether it links the connection is taken to link it.
  const unlinked = opts.wrapper === undefined || opts.wrapper.linksNext?.() === false;
  return new Promise<UpstreamTransport>((resolve, reject) => {
    const reads = opts.tls && !unlinked ? undefined : readBuffers?.forSocket();
    const socket = opts.tls && reads
      ? tls.connect(tlsReadingInto(reads.onread, { host, port, ...tlsOptions }))
      : net.connect({ host, port, noDelay: true, onread: reads?.onread });
    reads?.attach(socket);
    let transport: Duplex = socket;
    let settled = false;
    const fail = (err: UpstreamError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      transport.destroy();
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(
      () => fail(new UpstreamError('connect-timeout', `connecting to origin ${origin.host} timed out after ${opts.connectTimeoutMs} ms`)),
      opts.connectTimeoutMs,
    );
    const onError = (err: Error) => fail(connectError(err, origin));
    socket.once('error', onError);
    const ready = (alpn: string | false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('error', onError);
      transport.off('error', onError);
      resolve({ id, stream: transport, socket, alpn });
    };
    /** TLS is what the protocol runs over: ready once its handshake is done. */
    const secured = (tlsSocket: tls.TLSSocket) => {
      transport = tlsSocket;
      const { keylog } = opts;
      if (keylog) tlsSocket.on('keylog', (line) => keylog(line));
      if (tlsSocket !== socket) tlsSocket.once('error', onError);
      tlsSocket.once('secureConnect', () => ready(tlsSocket.alpnProtocol ?? false));
    };
    if (socket instanceof tls.TLSSocket) return secured(socket);
    socket.once('connect', () => {
      const wrapped = opts.wrapper ? opts.wrapper.wrap(socket, { id, origin }) : socket;
      if (wrapped !== socket) reads?.copyReads();
      if (!opts.tls) {
        transport = wrapped;
        ready(false);
        return;
      }
      secured(tls.connect({ socket: wrapped, ...tlsOptions }));
    });
  });
}

/** tls.connect's options with `onread`: Node takes it when TLS makes its own socket (its docs), @types/node lacks it. */
function tlsReadingInto(onread: net.OnReadOpts, options: tls.ConnectionOptions): tls.ConnectionOptions {
  const withReads: tls.ConnectionOptions & { onread: net.OnReadOpts } = { ...options, onread };
  return withReads;
}
