/**
 * What every pooling strategy shares: size-classed bounded free lists, the lease bookkeeping and
 * the counters. A strategy only decides what a reset and a write completion do to a lease.
 */
import type { BufferPool, Lease, LeaseOwner, PoolMode, PoolOptions, PoolStats, RaceRecord } from './types.js';

/**
 * One class of max-frame-sized buffers, as Jetty pools fixed-capacity buffers: any frame may land
 * in any buffer. That is what makes the race visible as a protocol error: a small frame (an SSE
 * event, HEADERS) written into a big frame's buffer leaves stale bytes the client parses as a
 * frame header. With a separate class per size, a buffer only goes to a frame of like size and the
 * race corrupts bodies silently instead.
 */
export const DEFAULT_SIZE_CLASSES: readonly number[] = [16_384 + 9];
/**
 * Every frame holds a max-frame buffer until its write is done, so a small response in flight
 * holds two (HEADERS, DATA): 1000 concurrent small streams (100 connections × 10) keep ~2000 in
 * use. A free list shorter than that sends the rest to the GC and allocates them again on the
 * next burst (measured with 256: 55k of 72k leases allocated anew, 900 MB over 35k small
 * requests, and ~35 µs more CPU per request). 2048 buffers (32 MiB) cover it.
 */
export const DEFAULT_MAX_FREE_PER_CLASS = 2048;
const MAX_RACE_RECORDS = 32;
/** Frame lengths whose views a slab keeps (Slab.views). */
const VIEWS_PER_SLAB = 4;

/**
 * Memory that leases share. The leases whose write still reads it are `pending` then `morePending`,
 * oldest first: the first in a field of the slab, as there is one but in a race (a frame's acquire
 * and its writeDone touch the slab alone, not an array and its backing store too).
 */
interface Slab {
  readonly buf: Buffer;
  /**
   * Frame views made of `buf` ([0, a frame's length)), the latest VIEWS_PER_SLAB lengths: a lease
   * of one of those lengths reuses its view. Responses repeat a few lengths (a small response's
   * HEADERS, DATA and empty end), and a view is ~90 bytes of garbage per frame otherwise.
   */
  readonly views: Buffer[];
  /** The slot of `views` the next new length replaces, once it is full. */
  nextView: number;
  /** Index into the size classes; -1 for a one-off buffer that is never pooled. */
  readonly sizeClass: number;
  pending: PooledLease | undefined;
  /** The younger pending leases, oldest first: only a race has any (made at the first, then kept). */
  morePending: PooledLease[] | undefined;
}

export class PooledLease implements Lease {
  ended = false;
  /** Holders left, and whether the stream is one of them (reference counting strategies). */
  refs = 0;
  streamRef = false;
  constructor(readonly slab: Slab, readonly length: number, readonly owner: LeaseOwner) {}
  get buffer(): Buffer {
    return this.slab.buf;
  }

  get bytes(): Buffer {
    const { slab, length } = this;
    if (length === slab.buf.length) return slab.buf;
    const views = slab.views;
    for (let i = 0; i < views.length; i++) if (views[i]!.length === length) return views[i]!;
    const view = slab.buf.subarray(0, length);
    if (views.length < VIEWS_PER_SLAB) views.push(view);
    else {
      views[slab.nextView] = view;
      slab.nextView = (slab.nextView + 1) % VIEWS_PER_SLAB;
    }
    return view;
  }
}

export abstract class SlabPool implements BufferPool {
  abstract readonly mode: PoolMode;
  /** False for NON_POOLING: released buffers are left to the GC. */
  protected readonly pooling: boolean = true;
  private readonly sizeClasses: readonly number[];
  private readonly maxFree: number;
  private readonly free: Slab[][];
  private readonly counters = {
    acquired: 0,
    reused: 0,
    allocated: 0,
    allocatedBytes: 0,
    released: 0,
    discarded: 0,
    overflow: 0,
    inUse: 0,
    highWaterInUse: 0,
    racesReusedWhilePending: 0,
  };
  readonly races: RaceRecord[] = [];
  onRace: ((race: RaceRecord) => void) | undefined;

  constructor(opts: PoolOptions = {}) {
    this.sizeClasses = opts.sizeClasses ?? DEFAULT_SIZE_CLASSES;
    this.maxFree = opts.maxFreePerClass ?? DEFAULT_MAX_FREE_PER_CLASS;
    this.free = this.sizeClasses.map(() => []);
  }

  acquire(length: number, owner: LeaseOwner): Lease {
    const c = this.counters;
    c.acquired++;
    const slab = this.takeSlab(length);
    const lease = new PooledLease(slab, length, owner);
    if (slab.pending) this.racePending(slab, lease);
    else slab.pending = lease;
    c.inUse++;
    if (c.inUse > c.highWaterInUse) c.highWaterInUse = c.inUse;
    this.onAcquire(lease);
    return lease;
  }

  writeDone(lease: Lease): void {
    const l = lease as PooledLease;
    if (!removeLease(l.slab, l)) throw new Error('writeDone called twice for one lease');
    this.onWriteDone(l);
  }

  streamReset(lease: Lease): void {
    this.onReset(lease as PooledLease);
  }

  stats(): PoolStats {
    return { mode: this.mode, ...this.counters, free: this.free.reduce((n, list) => n + list.length, 0) };
  }

  protected onAcquire(_lease: PooledLease): void {}
  protected abstract onWriteDone(lease: PooledLease): void;
  protected abstract onReset(lease: PooledLease): void;

  /** Ends the lease by giving its buffer back; a no-op on an ended lease. */
  protected release(lease: PooledLease): void {
    if (lease.ended) return;
    lease.ended = true;
    this.counters.inUse--;
    this.counters.released++;
    const { slab } = lease;
    if (!this.pooling) return;
    const list = this.free[slab.sizeClass];
    if (list && list.length < this.maxFree) list.push(slab);
    else this.counters.overflow++;
  }

  /** Ends the lease by forgetting its buffer: whoever still reads it keeps it alive, nobody reuses it. */
  protected discard(lease: PooledLease): void {
    if (lease.ended) return;
    lease.ended = true;
    this.counters.inUse--;
    this.counters.discarded++;
  }

  private takeSlab(length: number): Slab {
    const sizeClass = this.sizeClassOf(length);
    const reusable = this.pooling && sizeClass >= 0 ? this.free[sizeClass]!.pop() : undefined;
    if (reusable) {
      this.counters.reused++;
      return reusable;
    }
    this.counters.allocated++;
    // Without pooling there is no reuse to size for: exactly what the frame needs.
    const capacity = this.pooling && sizeClass >= 0 ? this.sizeClasses[sizeClass]! : length;
    this.counters.allocatedBytes += capacity;
    return { buf: Buffer.allocUnsafe(capacity), views: [], nextView: 0, sizeClass, pending: undefined, morePending: undefined };
  }

  /** The smallest size class that fits `length`, -1 if none: a loop, as this runs per frame. */
  private sizeClassOf(length: number): number {
    const classes = this.sizeClasses;
    for (let i = 0; i < classes.length; i++) if (classes[i]! >= length) return i;
    return -1;
  }

  /** `taker` got a buffer whose pending writes still read it: a race with each of them, oldest first. */
  private racePending(slab: Slab, taker: PooledLease): void {
    this.recordRace(slab.pending!, taker);
    const more = (slab.morePending ??= []);
    for (const holder of more) this.recordRace(holder, taker);
    more.push(taker);
  }

  private recordRace(holder: PooledLease, taker: PooledLease): void {
    this.counters.racesReusedWhilePending++;
    if (this.races.length === MAX_RACE_RECORDS) this.races.shift();
    const race = { pending: ownerRecord(holder), reusedFor: ownerRecord(taker) };
    this.races.push(race);
    this.onRace?.(race);
  }
}

/** Takes `lease` out of the slab's pending leases, keeping the others' order (race records follow it); false if absent. */
function removeLease(slab: Slab, lease: PooledLease): boolean {
  const more = slab.morePending;
  if (slab.pending === lease) {
    slab.pending = more && more.length > 0 ? more.shift() : undefined;
    return true;
  }
  const at = more ? more.indexOf(lease) : -1;
  if (at < 0) return false;
  more!.splice(at, 1);
  return true;
}

/** What a race record keeps of a lease: its owner's fields (an owner may be a larger record, such as the writer's frame) and its length. */
function ownerRecord({ owner, length }: PooledLease): LeaseOwner & { length: number } {
  return { connection: owner.connection, streamId: owner.streamId, frameType: owner.frameType, length };
}
