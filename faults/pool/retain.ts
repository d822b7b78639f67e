import { SlabPool, type PooledLease } from './slab-pool.js';

/**
 * `retain` — the fix of Jetty 12.1 (#12727): a buffer is reference-counted. The stream that
 * produced the frame holds one reference, the pending write another; a reset drops only the
 * stream's, and the buffer returns to the pool when the last reference goes.
 */
export class RetainPool extends SlabPool {
  readonly mode = 'retain' as const;
  protected override onAcquire(lease: PooledLease): void {
    lease.refs = 2;
    lease.streamRef = true;
  }

  protected onWriteDone(lease: PooledLease): void {
    // The write's reference; the stream is done with a frame that went out, so its reference too.
    this.unref(lease);
    this.dropStreamRef(lease);
  }

  protected onReset(lease: PooledLease): void {
    this.dropStreamRef(lease);
  }

  private dropStreamRef(lease: PooledLease): void {
    if (!lease.streamRef) return;
    lease.streamRef = false;
    this.unref(lease);
  }

  private unref(lease: PooledLease): void {
    if (--lease.refs === 0) this.release(lease);
  }
}
