import { SlabPool, type PooledLease } from './slab-pool.js';

/**
 * `discard-on-reset` — the fix of Jetty #12786 / 12.0.17: a reset removes the buffer from the
 * pool instead of releasing it; the pending write keeps it alive and nobody else gets it.
 */
export class DiscardOnResetPool extends SlabPool {
  readonly mode = 'discard-on-reset' as const;

  protected onWriteDone(lease: PooledLease): void {
    this.release(lease);
  }

  protected onReset(lease: PooledLease): void {
    this.discard(lease);
  }
}
