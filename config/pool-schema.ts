/** The buffer pool and engine path settings (`--pool`, config file `pool:`). */
import { z } from 'zod';
import { POOL_MODES } from '../faults/pool/types.js';
import { DEFAULT_MAX_FREE_PER_CLASS, DEFAULT_SIZE_CLASSES } from '../faults/pool/slab-pool.js';

/**
 * Bytes of frames a connection may have ahead of its socket (in the engine's queue or the link)
 * before its DATA waits; at least one full frame (proxy/frame-path/engine-path.ts).
 */
export const DEFAULT_BACKPRESSURE_BYTES = 2 * 1024 * 1024;

export const poolSchema = z
  .object({
    mode: z.enum(POOL_MODES).default('retain'),
    sizeClasses: z
      .array(z.number().int().min(64).max(16_777_215 + 9))
      .min(1)
      .refine((a) => a.every((v, i) => i === 0 || v > a[i - 1]!), 'must be ascending')
      .default([...DEFAULT_SIZE_CLASSES]),
    maxFreePerClass: z.number().int().min(0).max(1_000_000).default(DEFAULT_MAX_FREE_PER_CLASS),
    backpressureBytes: z.number().int().min(0).max(1 << 30).default(DEFAULT_BACKPRESSURE_BYTES),
  })
  .strict();

export type PoolConfig = z.infer<typeof poolSchema>;
