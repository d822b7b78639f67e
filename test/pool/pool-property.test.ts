/**
 * Random interleavings of acquire / write completion / stream reset, replayed against every pool
 * strategy with a model of which buffers pending writes still read.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBufferPool } from '../../faults/pool/create-pool.js';
import type { BufferPool, Lease, PoolMode } from '../../faults/pool/types.js';

type Op =
  | { kind: 'acquire'; streamId: number; length: number }
  | { kind: 'writeDone'; pick: number }
  | { kind: 'reset'; streamId: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('acquire' as const),
    streamId: fc.integer({ min: 1, max: 4 }),
    length: fc.oneof(fc.integer({ min: 9, max: 1024 }), fc.integer({ min: 1025, max: 16_393 })),
  }),
  fc.record({ kind: fc.constant('writeDone' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('reset' as const), streamId: fc.integer({ min: 1, max: 4 }) }),
);

interface Replay {
  /** Acquisitions that got a buffer some pending write still reads, counted per such write. */
  handedOutWhilePending: number;
  pool: BufferPool;
}

/** Drives the pool as the frame path does: a reset touches each pending lease of the stream once. */
function replay(mode: PoolMode, ops: readonly Op[]): Replay {
  const pool = createBufferPool(mode, { maxFreePerClass: 8 });
  const pending: Lease[] = [];
  const notYetReset = new Set<Lease>();
  let handedOutWhilePending = 0;
  for (const op of ops) {
    if (op.kind === 'acquire') {
      const lease = pool.acquire(op.length, { connection: 1, streamId: op.streamId, frameType: 0 });
      handedOutWhilePending += pending.filter((p) => p.buffer === lease.buffer).length;
      pending.push(lease);
      notYetReset.add(lease);
    } else if (op.kind === 'writeDone' && pending.length > 0) {
      const [lease] = pending.splice(op.pick % pending.length, 1);
      notYetReset.delete(lease!);
      pool.writeDone(lease!);
    } else if (op.kind === 'reset') {
      for (const lease of pending) {
        if (lease.owner.streamId === op.streamId && notYetReset.delete(lease)) pool.streamReset(lease);
      }
    }
  }
  for (const lease of pending.splice(0)) pool.writeDone(lease);
  return { handedOutWhilePending, pool };
}

const RUNS = { seed: 20_261_127, numRuns: 300 };

describe('pool strategies under random interleavings', () => {
  it.each(['none', 'discard-on-reset', 'retain'] as const)('%s never hands out a buffer a pending write holds', (mode) => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 200 }), (ops) => {
        const { handedOutWhilePending, pool } = replay(mode, ops);
        const s = pool.stats();
        expect(handedOutWhilePending).toBe(0);
        expect(s.racesReusedWhilePending).toBe(0);
        expect(s.inUse).toBe(0);
        expect(s.acquired).toBe(s.released + s.discarded);
      }),
      RUNS,
    );
  });

  it('release-on-reset hands them out, and its counter says exactly how often', () => {
    let total = 0;
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 200 }), (ops) => {
        const { handedOutWhilePending, pool } = replay('release-on-reset', ops);
        const s = pool.stats();
        expect(s.racesReusedWhilePending).toBe(handedOutWhilePending);
        expect(s.inUse).toBe(0);
        expect(s.acquired).toBe(s.released + s.discarded);
        total += handedOutWhilePending;
      }),
      RUNS,
    );
    expect(total).toBeGreaterThan(0);
  });

  it('release-on-reset: a reset stream buffer goes to the next frame of another stream', () => {
    const pool = createBufferPool('release-on-reset');
    const victim = pool.acquire(16_393, { connection: 1, streamId: 1, frameType: 0 });
    pool.streamReset(victim);
    const taker = pool.acquire(12_009, { connection: 1, streamId: 3, frameType: 0 });
    expect(taker.buffer).toBe(victim.buffer);
    expect(pool.races).toEqual([
      { pending: { connection: 1, streamId: 1, frameType: 0, length: 16_393 }, reusedFor: { connection: 1, streamId: 3, frameType: 0, length: 12_009 } },
    ]);
    pool.writeDone(victim);
    pool.writeDone(taker);
    // Released once each: the reset's release is not repeated by the write completion.
    expect(pool.stats()).toMatchObject({ acquired: 2, released: 2, inUse: 0, free: 1, racesReusedWhilePending: 1 });
  });

  it('discard-on-reset forgets the buffer; retain returns it only after the write', () => {
    const discard = createBufferPool('discard-on-reset');
    const d = discard.acquire(100, { connection: 1, streamId: 1, frameType: 0 });
    discard.streamReset(d);
    expect(discard.acquire(100, { connection: 1, streamId: 3, frameType: 0 }).buffer).not.toBe(d.buffer);
    discard.writeDone(d);
    expect(discard.stats()).toMatchObject({ discarded: 1, inUse: 1, free: 0 });

    const retain = createBufferPool('retain');
    const r = retain.acquire(100, { connection: 1, streamId: 1, frameType: 0 });
    retain.streamReset(r);
    expect(retain.stats()).toMatchObject({ inUse: 1, free: 0 });
    retain.writeDone(r);
    expect(retain.stats()).toMatchObject({ inUse: 0, free: 1, released: 1 });
    expect(retain.acquire(100, { connection: 1, streamId: 3, frameType: 0 }).buffer).toBe(r.buffer);
  });

  it('is bounded: beyond the free-list cap released buffers are dropped', () => {
    const pool = createBufferPool('retain', { maxFreePerClass: 2 });
    const leases = [1, 2, 3, 4].map((id) => pool.acquire(500, { connection: 1, streamId: id, frameType: 0 }));
    for (const lease of leases) pool.writeDone(lease);
    expect(pool.stats()).toMatchObject({ free: 2, overflow: 2, released: 4, highWaterInUse: 4 });
    const big = pool.acquire(100_000, { connection: 1, streamId: 1, frameType: 0 });
    pool.writeDone(big);
    expect(pool.stats()).toMatchObject({ free: 2, overflow: 3 });
  });
});
