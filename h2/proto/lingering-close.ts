/**
 * How a socket ends after our last frame (a GOAWAY, error or graceful), so that the frame arrives.
 *
 * Closing a socket while the peer's bytes are still coming makes the kernel answer them with a
 * TCP reset, and a reset throws away what the peer has not read yet: our GOAWAY with it. So, as
 * nginx's lingering_close: half-close (on TLS, close_notify first, then FIN: Node's end() does
 * both), keep reading and discarding what the peer still sends, and close once it has closed its
 * side too, or after a bound of time or bytes (a peer that never stops cannot hold the socket).
 *
 *   begin() ──end()──▶ Flushing ──our FIN out ('finish')──▶ Lingering ──peer FIN / bound──▶ Closed
 *                         └────── flush bound (timeMs) ─────────┴──── linger bound (timeMs, bytes) ─▶ destroy
 *
 * Lifecycle: one per socket, made by the socket's owner. Before begin() the owner ends the socket
 * as it likes; from begin() on this closer owns the socket's end and destroys it itself, within
 * its bounds, whatever the owner does. It ends in one place, `close`.
 */
import type { ByteSocket } from './socket-backed-transport.js';

/** The end-of-connection policy of the engine's sockets. */
export interface LingerPolicy {
  /** How long our last bytes may take to leave, and then how long the peer's are read and dropped. */
  timeMs: number;
  /** How many of the peer's bytes are read and dropped at most before the socket is closed anyway. */
  bytes: number;
  /**
   * A peer that failed the connection with an error GOAWAY reads nothing more: what is still owed
   * to it gets this long to flush before the connection is cut.
   */
  abandonedFlushMs: number;
}

export const DEFAULT_LINGER_POLICY: LingerPolicy = { timeMs: 2_000, bytes: 1 << 20, abandonedFlushMs: 250 };

export const LingerPhase = {
  /** The owner's: nothing begun. */
  Idle: 0,
  /** end() called: our last bytes and FIN on their way; the peer's bytes are dropped. */
  Flushing: 1,
  /** Our FIN is out; the peer's bytes are dropped until it closes its side. */
  Lingering: 2,
  Closed: 3,
} as const;
export type LingerPhase = (typeof LingerPhase)[keyof typeof LingerPhase];

/** Why the socket closed: what a test or a log reads. */
export type LingerEnd = 'peer-closed' | 'time' | 'bytes' | 'error' | 'released';

export class LingeringClose {
  phase: LingerPhase = LingerPhase.Idle;
  /** Bytes the peer sent after begin(), dropped. */
  droppedBytes = 0;
  ended: LingerEnd | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly policy: LingerPolicy;

  /** `policy`: overrides of DEFAULT_LINGER_POLICY (ConnectionOptions.linger, as the owner got it). */
  constructor(private readonly socket: ByteSocket, policy: Partial<LingerPolicy> = {}) {
    this.policy = { ...DEFAULT_LINGER_POLICY, ...policy };
  }

  /** Our last bytes are written to the socket: half-close it and linger. */
  begin(): void {
    if (this.phase !== LingerPhase.Idle) return;
    const socket = this.socket;
    if (socket.destroyed) return this.close('released');
    this.phase = LingerPhase.Flushing;
    this.timer = setTimeout(() => this.close('time'), this.policy.timeMs);
    socket.on('data', this.drop);
    // The peer's FIN while ours is still on its way: the peer may read on, so ours goes out first.
    socket.once('end', () => this.phase === LingerPhase.Lingering && this.close('peer-closed'));
    socket.once('error', () => this.close('error'));
    socket.once('close', () => this.close(socket.readableEnded ? 'peer-closed' : 'error'));
    socket.once('finish', this.finished);
    socket.end();
    // The owner may have paused reading (backpressure): from now on everything is read and dropped.
    socket.resume();
  }

  private readonly finished = (): void => {
    if (this.phase !== LingerPhase.Flushing) return;
    if (this.socket.readableEnded) return this.close('peer-closed');
    this.phase = LingerPhase.Lingering;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.close('time'), this.policy.timeMs);
  };

  private readonly drop = (chunk: Buffer): void => {
    this.droppedBytes += chunk.length;
    if (this.droppedBytes > this.policy.bytes) this.close('bytes');
  };

  /** The one place the socket ends. */
  private close(how: LingerEnd): void {
    if (this.phase === LingerPhase.Closed) return;
    this.phase = LingerPhase.Closed;
    this.ended = how;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.socket.off('data', this.drop);
    this.socket.destroy();
  }
}
