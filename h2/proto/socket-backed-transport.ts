/**
 * What every Transport over a net.Socket / tls.TLSSocket shares: the socket's events handed to
 * the sink, its first error kept for the close, cork/uncork, no Nagle. Subclasses decide how bytes
 * go out (straight to the socket, or through h2race's link) and what a close does to the writes
 * still pending (`settlePending`).
 *
 * Lifecycle: the socket's own; it ends in one place, the socket's 'close': `settlePending` gives
 * every pending write its `done` (with the error), then the sink hears onClose — so each lease's
 * writeDone happens exactly once whatever Node does with callbacks of a destroyed socket.
 */
import type { Duplex } from 'node:stream';
import type { Transport, TransportSink } from './transport.js';

export type WriteDone = (err?: Error | null) => void;

/**
 * A net.Socket / tls.TLSSocket, or a Duplex standing for one (h2race's upstream link, or TLS over
 * it): what a transport and its lingering close use of a socket. A Duplex has no Nagle to turn off.
 */
export type ByteSocket = Duplex & { setNoDelay?(noDelay?: boolean): unknown };

export abstract class SocketBackedTransport implements Transport {
  /** The socket's first error (or the one destroy() was given): what onClose reports. */
  protected error: Error | undefined;

  constructor(protected readonly socket: ByteSocket) {
    // Frames are batched per event-loop turn already; Nagle would only add a round trip.
    socket.setNoDelay?.(true);
  }

  start(sink: TransportSink): void {
    const socket = this.socket;
    socket.on('data', (chunk: Buffer) => sink.onData(chunk));
    socket.on('end', () => sink.onEnd());
    socket.on('error', (err) => {
      this.error ??= err;
    });
    socket.once('close', () => {
      this.settlePending(this.error ?? new Error('connection closed'));
      sink.onClose(this.error);
    });
  }

  cork(): void {
    this.socket.cork();
  }

  uncork(): void {
    this.socket.uncork();
  }

  /** The socket closed: every write whose `done` has not fired gets it now, with `err`. */
  protected abstract settlePending(err: Error): void;
  abstract write(bytes: Buffer, done?: WriteDone): void;
  abstract end(): void;
  abstract destroy(err?: Error): void;
}
