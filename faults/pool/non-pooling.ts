import { SlabPool, type PooledLease } from './slab-pool.js';

/** `none` (Jetty's NON_POOLING): a fresh buffer per frame, left to the GC when its write is done. */
export class NonPoolingPool extends SlabPool {
  readonly mode = 'none' as const;
  protected override readonly pooling = false;

  protected onWriteDone(lease: PooledLease): void {
    this.release(lease);
  }

  protected onReset(): void {}
}
