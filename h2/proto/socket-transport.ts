/**
 * The Transport of the standalone engine: a net.Socket or tls.TLSSocket, used as it is.
 *
 * Lifecycle: the socket's own (socket-backed-transport.ts): on 'close' every write whose callback
 * has not fired gets its `done` (with the error) before the sink hears of the close.
 */
import { LingeringClose, type LingerPolicy } from './lingering-close.js';
import { SocketBackedTransport, type ByteSocket, type WriteDone } from './socket-backed-transport.js';

export class SocketTransport extends SocketBackedTransport {
  /** Writes whose callback has not fired. An array, not a Set: see stream-table.ts (they complete in order: the first is the one found). */
  private readonly pending: WriteDone[] = [];
  private readonly closer: LingeringClose;

  /** `linger`: overrides of the default policy (ConnectionOptions.linger, as either role gives it). */
  constructor(socket: ByteSocket, linger: Partial<LingerPolicy> = {}) {
    super(socket);
    this.closer = new LingeringClose(socket, linger);
  }

  write(bytes: Buffer, done?: WriteDone): void {
    if (!done) {
      this.socket.write(bytes);
      return;
    }
    const once: WriteDone = (err) => {
      const at = this.pending.indexOf(once);
      if (at < 0) return;
      if (at === 0) this.pending.shift();
      else this.pending.splice(at, 1);
      done(err);
    };
    this.pending.push(once);
    this.socket.write(bytes, once);
  }

  /** Half-closes and lingers: the last frame is read before the socket closes. */
  end(): void {
    this.closer.begin();
  }

  destroy(err?: Error): void {
    this.socket.destroy(err);
  }

  protected settlePending(err: Error): void {
    for (const done of [...this.pending]) done(err);
  }
}
