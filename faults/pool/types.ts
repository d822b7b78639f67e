/**
 * The buffer pool behind the frame path: every outbound frame is copied once into a buffer leased
 * here, and the lease follows the frame until the link has written it.
 *
 * Lease lifecycle (one owner at a time, one place where it ends):
 *
 *   acquire ──▶ frame path copies the frame in ──▶ link holds it (enqueued, pending write)
 *                                                          │
 *           writeDone(lease) ◀── link chunk `done` ────────┘   (written, or dropped on destroy)
 *           streamReset(lease) ◀── client RST_STREAM seen by the session while still pending
 *
 * - The frame path owns the lease from `acquire` until it calls `writeDone`, exactly once, from
 *   the link chunk's `done` (or when it drops a frame it never enqueued).
 * - `streamReset` may come first, at most once; what it does is the strategy's whole point:
 *   `release-on-reset` returns the buffer to the free list at once (the bug: the pending write
 *   still reads it), `discard-on-reset` forgets the buffer, `retain` drops only the stream's
 *   reference, `none` does nothing.
 * - A lease ENDS exactly once, in the pool (`released` into the free list, or `discarded`);
 *   whichever of `streamReset`/`writeDone` comes second finds it ended and does nothing to the
 *   buffer, so no buffer is released twice. `inUse` counts leases that have not ended.
 */
import type { FramePool, Lease, LeaseOwner } from '../../h2/proto/frame-pool.js';

export const POOL_MODES = ['none', 'release-on-reset', 'discard-on-reset', 'retain'] as const;
export type PoolMode = (typeof POOL_MODES)[number];

/** The engine declares what a lease is (h2/ is the ground floor); the pool strategies implement it. */
export type { Lease, LeaseOwner };

export interface PoolStats {
  mode: PoolMode;
  acquired: number;
  /** Acquisitions served from the free list. */
  reused: number;
  /** Acquisitions that needed new memory. */
  allocated: number;
  /** Bytes of that new memory (buffer capacities). */
  allocatedBytes: number;
  /** Leases that ended by returning their buffer (into the free list, or dropped when it is full). */
  released: number;
  /** Leases that ended by forgetting their buffer (discard-on-reset). */
  discarded: number;
  /** Released buffers dropped because the free list was at its cap, or too large to pool. */
  overflow: number;
  inUse: number;
  highWaterInUse: number;
  free: number;
  /** The race: a buffer handed out while a write that still reads it was pending. */
  racesReusedWhilePending: number;
}

/** One occurrence of the race: whose pending frame lost its buffer to whom. */
export interface RaceRecord {
  pending: LeaseOwner & { length: number };
  reusedFor: LeaseOwner & { length: number };
}

/** The engine's FramePool (acquire, writeDone, streamReset) with the strategy's name and its counters. */
export interface BufferPool extends FramePool {
  readonly mode: PoolMode;
  stats(): PoolStats;
  /** The most recent races, oldest first (bounded). */
  readonly races: readonly RaceRecord[];
}

export interface PoolOptions {
  /** Buffer capacities, ascending; a frame takes the smallest that fits, larger ones are not pooled. */
  sizeClasses?: readonly number[];
  /** Free buffers kept per size class; beyond it released buffers are dropped. */
  maxFreePerClass?: number;
}
