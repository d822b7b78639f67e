/**
 * Gives a wrapper's Duplex (a link) the socket methods http.Agent, ClientRequest and http2-proxy
 * call (keep-alive, Nagle, timeouts, ref), acting on the real socket underneath.
 */
import type * as net from 'node:net';
import type { Duplex } from 'node:stream';

export function socketLike(duplex: Duplex, socket: net.Socket): Duplex {
  const d = duplex as Duplex & Partial<net.Socket>;
  d.setKeepAlive ??= (enable?: boolean, delay?: number) => (socket.setKeepAlive(enable, delay), d as net.Socket);
  d.setNoDelay ??= (noDelay?: boolean) => (socket.setNoDelay(noDelay), d as net.Socket);
  d.ref ??= () => (socket.ref(), d as net.Socket);
  d.unref ??= () => (socket.unref(), d as net.Socket);
  if (!d.setTimeout) {
    socket.on('timeout', () => d.emit('timeout'));
    d.setTimeout = (ms: number, cb?: () => void) => {
      socket.setTimeout(ms);
      if (cb) d.once('timeout', cb);
      return d as net.Socket;
    };
  }
  return d;
}
