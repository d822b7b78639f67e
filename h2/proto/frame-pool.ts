/**
 * Where the engine's outbound frames are born: every frame is generated straight into a buffer
 * leased here, as Jetty's HTTP/2 session generates into its ByteBufferPool, and the lease follows
 * the frame until the transport has finished with it.
 *
 *   acquire ──▶ writer fills the frame ──▶ hooks / transport hold it (pending write)
 *                                                   │
 *   writeDone(lease) ◀── transport's `done` ────────┘   (written, or dropped: exactly once)
 *   streamReset(lease) ◀── the peer's RST_STREAM for the lease's stream, while still pending
 *
 * The interface is structurally the proxy's BufferPool (faults/pool/types.ts): its strategies
 * decide what a reset does to a buffer a write still reads, which is the race h2race reproduces.
 * h2/ declares it here because it imports nothing of the project.
 */

/** Who a leased buffer is for; also the race evidence. */
export interface LeaseOwner {
  connection: number;
  streamId: number;
  frameType: number;
}

export interface Lease {
  /** The whole buffer; the frame occupies [0, length). Other holders may share it (the race). */
  readonly buffer: Buffer;
  readonly length: number;
  /**
   * The frame: [0, length) of `buffer`, what the transport is given. A pool may hand the same view
   * to the next lease of its buffer with the same length (a view costs an object per frame).
   */
  readonly bytes: Buffer;
  readonly owner: LeaseOwner;
}

export interface FramePool {
  acquire(length: number, owner: LeaseOwner): Lease;
  /** The transport finished with the lease's bytes (written, or dropped). Exactly once per lease. */
  writeDone(lease: Lease): void;
  /** The peer reset the lease's stream while its write was pending. At most once per lease. */
  streamReset(lease: Lease): void;
}

/** A fresh buffer per frame, left to the GC: the standalone engine's default. */
export class AllocatingPool implements FramePool {
  acquire(length: number, owner: LeaseOwner): Lease {
    const buffer = Buffer.allocUnsafe(length);
    return { buffer, length, owner, bytes: buffer };
  }

  writeDone(): void {}

  streamReset(): void {}
}
