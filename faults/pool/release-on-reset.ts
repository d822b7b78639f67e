import { SlabPool, type PooledLease } from './slab-pool.js';

/**
 * `release-on-reset` — the bug of Jetty 11.0.21–11.0.24 / 12.0.16: a reset fails the stream's
 * write and its buffer goes back to the pool at once, although the connection's pending write
 * still holds it. The next frame that takes the buffer overwrites what that write will send.
 */
export class ReleaseOnResetPool extends SlabPool {
  readonly mode = 'release-on-reset' as const;

  protected onWriteDone(lease: PooledLease): void {
    this.release(lease);
  }

  protected onReset(lease: PooledLease): void {
    this.release(lease);
  }
}
