/**
 * The write side of a Jetty-like HTTP/2 server, under a node:http2 session: every frame the
 * session writes is copied into a buffer from a pool and queued on the socket; the buffer goes
 * back to the pool when its write completed — or, in `release-on-reset` mode (Jetty 11.0.21–24,
 * 12.0.16), as soon as the client resets the frame's stream, even while that write is still
 * pending. The next frame (another stream's) then fills the same memory, and the pending write
 * sends those bytes in the reset stream's place.
 *
 *   session ─_write─▶ frame parser ─▶ pool buffer ─▶ socket.write ──callback──▶ release
 *                                          ▲ release-on-reset: cancel(stream) releases pending ones
 *
 * Writes complete at once (the session reads on while its writes wait, as Jetty's does; a native
 * node:http2 session stops reading while a socket write is in progress, so it never meets a cancel
 * with a write pending). `flushed(stream)` is Jetty's blocking write: it resolves once every frame
 * of that stream is in the kernel (or the stream is gone), so a response has one write pending at a
 * time and the server's own queue stays small.
 *
 * Lifecycle: the server's connection handler owns the flusher; it ends with its socket (the
 * flusher's _destroy destroys it, and the socket's close destroys the flusher).
 */
import type { Socket } from 'node:net';
import { TapDuplex } from '../helpers/tap-duplex.js';

export type PoolMode = 'release-on-reset' | 'fixed';

/** A frame header and the largest payload a peer accepts by default (SETTINGS_MAX_FRAME_SIZE). */
const FRAME_BUFFER_BYTES = 9 + 16_384;

/** What the origin did, counted while `armed()` says so. */
export interface FlusherCounts {
  /** Resets of a stream that still had frames pending on the socket. */
  pendingCancels: number;
  /** Resets that found the stream's frames all written. */
  flushedCancels: number;
  /** Pool buffers handed to a new frame while an earlier frame's write of them was pending. */
  reusedPending: number;
}

interface Lease {
  buffer: Buffer;
  /** Bumped on every release: a write that completes after a release must not release it again. */
  generation: number;
  /** Released while a write of it was pending (release-on-reset). */
  releasedPending: boolean;
}

interface Entry {
  stream: number;
  lease: Lease;
  generation: number;
}

/** A free list shared by every connection of the origin (Jetty's ByteBufferPool is server-wide). */
export class FramePool {
  private readonly free: Lease[] = [];

  constructor(private readonly counts: FlusherCounts, private readonly armed: () => boolean) {}

  take(size: number): Lease {
    if (size > FRAME_BUFFER_BYTES) return { buffer: Buffer.allocUnsafe(size), generation: 0, releasedPending: false };
    // Last released, first taken: a reset stream's buffer goes to the very next frame.
    const lease = this.free.pop() ?? { buffer: Buffer.allocUnsafe(FRAME_BUFFER_BYTES), generation: 0, releasedPending: false };
    if (lease.releasedPending && this.armed()) this.counts.reusedPending++;
    lease.releasedPending = false;
    return lease;
  }

  release(lease: Lease, pending: boolean): void {
    lease.generation++;
    lease.releasedPending = pending;
    if (lease.buffer.length === FRAME_BUFFER_BYTES) this.free.push(lease);
  }
}

export class PooledFlusher extends TapDuplex {
  private partial: Buffer = Buffer.alloc(0);
  private readonly pending = new Map<number, Set<Entry>>();
  private readonly waiters = new Map<number, (() => void)[]>();

  constructor(
    socket: Socket,
    private readonly pool: FramePool,
    private readonly mode: PoolMode,
    private readonly counts: FlusherCounts,
    private readonly armed: () => boolean,
  ) {
    super(socket);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, cb: (err?: Error | null) => void): void {
    let data = this.partial.length > 0 ? Buffer.concat([this.partial, chunk]) : chunk;
    while (data.length >= 9) {
      const size = 9 + data.readUIntBE(0, 3);
      if (data.length < size) break;
      this.send(data.subarray(0, size));
      data = data.subarray(size);
    }
    this.partial = Buffer.from(data);
    cb();
  }

  /** The client reset `stream`; in release-on-reset mode its pending frames' buffers go back now. */
  cancel(stream: number): void {
    const entries = this.pending.get(stream);
    if (this.armed()) {
      if (entries?.size) this.counts.pendingCancels++;
      else this.counts.flushedCancels++;
    }
    if (!entries || this.mode !== 'release-on-reset') return;
    for (const entry of entries) this.pool.release(entry.lease, true);
    this.settle(stream, entries);
  }

  /** Resolves once none of `stream`'s frames is pending on the socket. */
  flushed(stream: number): Promise<void> {
    if (!this.pending.get(stream)?.size) return Promise.resolve();
    return new Promise((resolve) => this.waiters.set(stream, [...(this.waiters.get(stream) ?? []), resolve]));
  }

  private send(frame: Buffer): void {
    if (this.socket.destroyed) return;
    const stream = frame.readUInt32BE(5) & 0x7fffffff;
    const lease = this.pool.take(frame.length);
    frame.copy(lease.buffer);
    const entry: Entry = { stream, lease, generation: lease.generation };
    const entries = this.pending.get(stream) ?? new Set();
    this.pending.set(stream, entries);
    entries.add(entry);
    this.socket.write(lease.buffer.subarray(0, frame.length), () => {
      if (entry.generation !== lease.generation) return;
      this.pool.release(lease, false);
      entries.delete(entry);
      if (entries.size === 0) this.settle(stream, entries);
    });
  }

  private settle(stream: number, entries: Set<Entry>): void {
    entries.clear();
    this.pending.delete(stream);
    const waiting = this.waiters.get(stream) ?? [];
    this.waiters.delete(stream);
    for (const resolve of waiting) resolve();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    for (const [stream, entries] of [...this.pending]) this.settle(stream, entries);
    super._destroy(err, cb);
  }
}
