/**
 * The Transport of the standalone engine: a net.Socket or tls.TLSSocket, used as it is.
 *
 * Lifecycle: the socket's own; the adapter ends with it. On 'close' every write whose callback
 * has not fired gets its `done` (with the error) before the sink hears of the close, so each
 * lease's writeDone happens exactly once whatever Node does with callbacks of a destroyed socket.
 */
import type * as net from 'node:net';
import { DEFAULT_LINGER_POLICY, LingeringClose, type LingerPolicy } from './lingering-close.js';
import type { Transport, TransportSink } from './transport.js';

type Done = (err?: Error | null) => void;

export class SocketTransport implements Transport {
  private readonly pending = new Set<Done>();
  private error: Error | undefined;
  private readonly closer: LingeringClose;

  constructor(private readonly socket: net.Socket, linger: LingerPolicy = DEFAULT_LINGER_POLICY) {
    this.closer = new LingeringClose(socket, linger);
    // Frames are batched per event-loop turn already; Nagle would only add a round trip.
    socket.setNoDelay(true);
  }

  start(sink: TransportSink): void {
    const socket = this.socket;
    socket.on('data', (chunk: Buffer) => sink.onData(chunk));
    socket.on('end', () => sink.onEnd());
    socket.on('error', (err) => {
      this.error ??= err;
    });
    socket.once('close', () => {
      const err = this.error ?? new Error('connection closed');
      for (const done of this.pending) done(err);
      sink.onClose(this.error);
    });
  }

  write(bytes: Buffer, done?: Done): void {
    if (!done) {
      this.socket.write(bytes);
      return;
    }
    const once: Done = (err) => {
      if (this.pending.delete(once)) done(err);
    };
    this.pending.add(once);
    this.socket.write(bytes, once);
  }

  cork(): void {
    this.socket.cork();
  }

  uncork(): void {
    this.socket.uncork();
  }

  /** Half-closes and lingers: the last frame is read before the socket closes. */
  end(): void {
    this.closer.begin();
  }

  destroy(err?: Error): void {
    this.socket.destroy(err);
  }
}
