import { DiscardOnResetPool } from './discard-on-reset.js';
import { NonPoolingPool } from './non-pooling.js';
import { ReleaseOnResetPool } from './release-on-reset.js';
import { RetainPool } from './retain.js';
import type { BufferPool, PoolMode, PoolOptions } from './types.js';

const strategies: Record<PoolMode, new (opts?: PoolOptions) => BufferPool> = {
  none: NonPoolingPool,
  'release-on-reset': ReleaseOnResetPool,
  'discard-on-reset': DiscardOnResetPool,
  retain: RetainPool,
};

/** One pool per proxy: its connections share it, as Jetty's connector shares its ByteBufferPool. */
export function createBufferPool(mode: PoolMode, opts?: PoolOptions): BufferPool {
  return new strategies[mode](opts);
}
