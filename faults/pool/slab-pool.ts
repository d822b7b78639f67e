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

/**
 * Memory that leases share. The leases whose write still reads it are `pending` then `morePending`,
 * oldest first: the first in a field of the slab, as there is one but in a race (a frame's acquire
 * and its writeDone touch the slab alone, not an array and its backing store too).
 */
class Slab {
  pending: PooledLease | undefined = undefined;
  /** The younger pending leases, oldest first: only a race has any (made at the first, then kept). */
  morePending: PooledLease[] | undefined = undefined;
  /**
   * Frame views made of `buf` ([0, a frame's length)) for the latest four lengths, each length in
   * a field beside its view: a lease of one of those lengths reuses its view, found without
   * reading any view (at 1000 streams ~2000 slabs cycle, and what a frame touches is mostly out of
   * cache). Responses repeat a few lengths (a small response's HEADERS, DATA and empty end), and a
   * view is ~90 bytes of garbage per frame otherwise.
   */
  private length0 = -1;
  private length1 = -1;
  private length2 = -1;
  private length3 = -1;
  private view0: Buffer | undefined = undefined;
  private view1: Buffer | undefined = undefined;
  private view2: Buffer | undefined = undefined;
  private view3: Buffer | undefined = undefined;
  /** The slot the next new length takes. */
  private nextView = 0;

  constructor(
    readonly buf: Buffer,
    /** Index into the size classes; -1 for a one-off buffer that is never pooled. */
    readonly sizeClass: number,
  ) {}

  /** [0, length) of the buffer. */
  bytes(length: number): Buffer {
    if (length === this.length0) return this.view0!;
    if (length === this.length1) return this.view1!;
    if (length === this.length2) return this.view2!;
    if (length === this.length3) return this.view3!;
    if (length === this.buf.length) return this.buf;
    const view = this.buf.subarray(0, length);
    switch (this.nextView) {
      case 0:
        this.length0 = length;
        this.view0 = view;
        break;
      case 1:
        this.length1 = length;
        this.view1 = view;
        break;
      case 2:
        this.length2 = length;
        this.view2 = view;
        break;
      default:
        this.length3 = length;
        this.view3 = view;
    }
    this.nextView = (this.nextView + 1) & 3;
    return view;
  }
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
    return this.slab.bytes(this.length);
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
    return new Slab(Buffer.allocUnsafe(capacity), sizeClass);
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
