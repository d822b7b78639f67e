/**
 * A lease's `bytes` (what the transport is given) is exactly [0, length) of its buffer, whatever
 * lengths its buffer held before: the views a slab keeps for repeated lengths must never hand a
 * frame another length's view, nor another buffer's.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBufferPool } from '../../faults/pool/create-pool.js';
import { POOL_MODES, type Lease } from '../../faults/pool/types.js';

const owner = (streamId: number) => ({ connection: 1, streamId, frameType: 0 });

function expectFrameView(lease: Lease): void {
  expect(lease.bytes.length).toBe(lease.length);
  expect(lease.bytes.buffer).toBe(lease.buffer.buffer);
  expect(lease.bytes.byteOffset).toBe(lease.buffer.byteOffset);
}

describe('lease bytes', () => {
  it.each(POOL_MODES)('%s: one buffer through many lengths, one and two at a time', (mode) => {
    // One free buffer at most: every acquire after a release gets the same buffer back.
    const pool = createBufferPool(mode, { maxFreePerClass: 1 });
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 9, max: 16_393 }), { minLength: 1, maxLength: 40 }), (lengths) => {
        for (const length of lengths) {
          const lease = pool.acquire(length, owner(1));
          expectFrameView(lease);
          pool.writeDone(lease);
        }
      }),
      { seed: 20_261_207, numRuns: 200 },
    );
  });

  it('release-on-reset: two leases on one buffer (the race) each see their own length', () => {
    const pool = createBufferPool('release-on-reset', { maxFreePerClass: 4 });
    for (const [first, second] of [[20, 1033], [1033, 9], [9, 20], [16_393, 9], [9, 16_393], [20, 20]] as const) {
      const pending = pool.acquire(first, owner(1));
      pool.streamReset(pending);
      const taker = pool.acquire(second, owner(3));
      expect(taker.buffer).toBe(pending.buffer);
      expectFrameView(pending);
      expectFrameView(taker);
      expectFrameView(pending);
      pool.writeDone(pending);
      pool.writeDone(taker);
    }
    expect(pool.stats().racesReusedWhilePending).toBe(6);
  });

  it('a lease of the whole buffer is the buffer itself, no view', () => {
    const pool = createBufferPool('retain');
    const lease = pool.acquire(16_393, owner(1));
    expect(lease.bytes).toBe(lease.buffer);
  });
});
