/**
 * LinkedSocket: a Duplex over a net.Socket whose writes go through a Link (one direction's
 * toxics) and whose reads pass straight through. Used for upstream connections and for the
 * Toxiproxy TCP proxies (one LinkedSocket per side, each shaping what it writes).
 *
 *   write() ─▶ Link (toxics) ─▶ socket.write        socket 'data' ─▶ push() ─▶ read()
 *
 * Lifecycle: the LinkedSocket owns its socket and its link; `_destroy` is the one place both end.
 * A toxic that ends the connection (limit_data, timeout) ends the socket after the data before
 * it went out and then destroys this stream; reset_peer resets the socket (RST). With `lingerZero`
 * every close is an RST, sent once the bytes handed to the socket are written.
 */
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type { SeededRandom } from '../random.js';
import { createLink } from './link.js';
import type { FaultDecision } from './stage.js';
import type { ToxicSet } from './toxic-set.js';
import type { Direction, Link, ToxicSpec } from './types.js';

/**
 * What one link may hold in all, wire included: Toxiproxy's latency stub buffers up to 1024 chunks
 * of up to 32 KiB. A rate × one-way delay above it (1 Gbit/s over 270 ms) is capped by it.
 */
const MAX_QUEUED = 1024 * 32 * 1024;

/**
 * The bottleneck lets pieces out on ms timers, which fire up to ~1 ms late, and the writer refills
 * it a loop turn or two after: it idles unless it holds this long a run at its rate. What the
 * path's delay puts in flight covers it, except on a fast link with little delay (`lan`: 1 Gbit/s,
 * no delay, delivered 61 % of its rate with a 64 KiB hold, 98 % with 4 ms = 500 kB; Linux's own
 * TCP small queues likewise keep ~1 ms of a flow's pacing rate below the socket).
 */
const PACING_MS = 4;

export interface LinkedSocketOptions {
  socket: Socket;
  /** The direction of what this side writes: 'upstream' toward the origin, 'downstream' toward the client. */
  direction: Direction;
  random: SeededRandom;
  toxics?: ToxicSet | readonly ToxicSpec[];
  /** Backlog (bytes waiting before the link's wire) at which write() reports backpressure. Default 64 KiB. */
  highWaterMark?: number;
  /** End the readable side when the peer sends FIN but keep writing (net's allowHalfOpen). */
  allowHalfOpen?: boolean;
  /**
   * SO_LINGER 0: every close of the socket (a toxic's, the producer's end, destroy) is an RST.
   * Toxiproxy sets it on both sockets of a connection that opens with a reset_peer toxic.
   */
  lingerZero?: boolean;
  onDecision?: (decision: FaultDecision) => void;
}

export class LinkedSocket extends Duplex {
  readonly socket: Socket;
  readonly link: Link;
  private pendingWrite: (() => void) | undefined;
  /** Bytes handed to socket.write whose callback has not come yet. */
  private atSocket = 0;
  private pendingFinal: ((err?: Error | null) => void) | undefined;
  private closedByToxic = false;
  private readonly linkHighWaterMark: number;
  private readonly lingerZero: boolean;
  /** Runs once every socket.write handed so far has called back (atSocket is 0). */
  private onWritten: (() => void) | undefined;

  constructor(options: LinkedSocketOptions) {
    super({ allowHalfOpen: options.allowHalfOpen ?? false });
    const socket = options.socket;
    this.socket = socket;
    this.linkHighWaterMark = options.highWaterMark ?? 64 * 1024;
    this.lingerZero = options.lingerZero ?? false;
    // The peer's FIN must not end our writable side behind the link's back.
    socket.allowHalfOpen = true;
    // A session's setNoDelay() reaches this Duplex, not the socket; without it Nagle holds small
    // frames back (Toxiproxy's Go sockets have TCP_NODELAY too).
    socket.setNoDelay(true);
    this.link = createLink({
      direction: options.direction,
      random: options.random,
      toxics: options.toxics,
      highWaterMark: this.linkHighWaterMark,
      onDecision: options.onDecision,
      sink: (data, cb) => {
        if (socket.destroyed || socket.writableEnded) return cb(new Error('socket closed'));
        this.atSocket += data.length;
        socket.write(data, (err) => {
          this.atSocket -= data.length;
          cb(err);
          this.releaseWrite();
          if (this.atSocket === 0) this.writesDone();
        });
      },
      control: {
        end: () => this.endSocket(),
        reset: () => {
          if (!socket.destroyed) socket.resetAndDestroy();
          this.destroy();
        },
      },
    });
    this.link.on('drain', () => this.releaseWrite());
    this.link.on('received', () => this.releaseWrite());
    this.link.on('close', (reason) => {
      if (reason !== 'reset') this.closedByToxic = true;
    });
    socket.on('data', (data: Buffer) => {
      if (!this.push(data)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => {
      if (!this.destroyed) this.destroy();
    });
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.link.enqueue({ data: chunk });
    this.pendingWrite = cb;
    this.releaseWrite();
  }

  /**
   * Without a rate, backpressure counts the link's backlog (not what is on its wire: a latency
   * does not cap the rate) plus what the socket has not flushed to the kernel; what the wire may
   * hold is bounded by MAX_QUEUED. Bytes the kernel took but whose write callback is still to come
   * do not count, so a link without toxics keeps a plain socket's pace.
   *
   * With a rate, the writer is held while the link holds what a real path would: the
   * bandwidth-delay product in flight plus the bottleneck's queue (the high-water mark when no
   * queue is stated), wire and unwritten sink bytes included — so a relay stops reading its source
   * there, as the engine front's writer stops at the queue (issue 15), and a receiver that stops
   * reading stops the source once that much is held. What waits at the receiver behind a lost
   * segment is out of that window (SACKed), so a loss does not idle the bottleneck.
   */
  private releaseWrite(): void {
    if (!this.pendingWrite || this.holding()) return;
    const cb = this.pendingWrite;
    this.pendingWrite = undefined;
    cb();
  }

  private holding(): boolean {
    const limit = this.holdLimit;
    if (limit !== undefined) return this.link.queuedBytes - this.link.reassemblyBytes >= limit;
    return this.link.backlogBytes + this.socket.writableLength >= this.linkHighWaterMark || this.link.queuedBytes >= MAX_QUEUED;
  }

  /** With a rate, what the link holds before the writer is held: bandwidth-delay product (at least
   * PACING_MS at the rate) + the bottleneck's queue (capped by MAX_QUEUED). Undefined without a
   * rate. Read live: a schedule changes it. */
  get holdLimit(): number | undefined {
    const bdp = this.link.bdpBytes;
    const rate = this.link.bytesPerMs;
    if (bdp === undefined || rate === undefined) return undefined;
    return Math.min(Math.max(bdp, rate * PACING_MS) + (this.link.queueLimit ?? this.linkHighWaterMark), MAX_QUEUED);
  }

  private writesDone(): void {
    const run = this.onWritten;
    this.onWritten = undefined;
    run?.();
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.pendingFinal = cb;
    this.link.end();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.link.destroy(err ?? undefined);
    if (this.lingerZero && !this.socket.destroyed) this.socket.resetAndDestroy();
    else this.socket.destroy();
    const final = this.pendingFinal;
    this.pendingFinal = undefined;
    final?.(err);
    cb(err);
  }

  private endSocket(): void {
    if (this.socket.destroyed) return;
    if (this.lingerZero) {
      // Go's Close after its last Write returned: what the kernel took goes out, then the RST.
      this.onWritten = () => {
        const final = this.pendingFinal;
        this.pendingFinal = undefined;
        if (!this.socket.destroyed) this.socket.resetAndDestroy();
        final?.();
        this.destroy();
      };
      if (this.atSocket === 0) this.writesDone();
      return;
    }
    this.socket.end(() => {
      const final = this.pendingFinal;
      this.pendingFinal = undefined;
      final?.();
      if (this.closedByToxic) this.destroy();
    });
  }
}
