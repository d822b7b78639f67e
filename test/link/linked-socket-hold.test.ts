/**
 * A LinkedSocket with a rate holds its writer where a real path would stop a sender (issue 15,
 * issue 20): when its link holds the bandwidth-delay product plus the bottleneck's queue. A
 * saturating writer on real loopback sockets never finds more than that plus the one chunk it
 * wrote while below it; without a rate the link keeps today's backlog rule (link.test.ts).
 */
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { faultsToToxics } from '../../faults/profiles/fault-settings.js';
import { ToxicSet } from '../../faults/link/toxic-set.js';
import { loopbackPair, type LoopbackPair } from './loopback.js';

let pair: LoopbackPair | undefined;
afterEach(async () => {
  await pair?.close();
  pair = undefined;
});

const CHUNK = 16 * 1024;

/** Writes CHUNK-byte chunks as fast as the LinkedSocket takes them until `bytes` were written;
 * returns the most the link held right after a write. */
async function saturate(p: LoopbackPair, bytes: number): Promise<number> {
  let peak = 0;
  for (let written = 0; written < bytes; written += CHUNK) {
    const more = p.linked.write(Buffer.alloc(CHUNK, written & 0xff));
    peak = Math.max(peak, p.linked.link.queuedBytes);
    if (!more) await once(p.linked, 'drain');
  }
  return peak;
}

describe('a LinkedSocket with a rate holds its writer at bandwidth-delay product + queue', () => {
  it('a saturating download: the link holds at most BDP + queue + one chunk, and fills to it', { timeout: 20_000 }, async () => {
    // 200 kB/s, 150 ms one way: 30 kB in flight; a 100 ms queue: 20 kB.
    const toxics = new ToxicSet(faultsToToxics({ bandwidth: 1.6e6, queue: { ms: 100 }, latency: 150 }));
    pair = await loopbackPair({ toxics });
    expect(pair.linked.link.bdpBytes).toBe(30_000);
    expect(pair.linked.link.queueLimit).toBe(20_000);
    expect(pair.linked.holdLimit).toBe(50_000);
    const peak = await saturate(pair, 400_000);
    expect(peak).toBeLessThanOrEqual(50_000 + CHUNK);
    expect(peak).toBeGreaterThanOrEqual(50_000);
  });

  it('without a stated queue the high-water mark stands in for it, beside the BDP', async () => {
    const toxics = new ToxicSet(faultsToToxics({ bandwidth: 8e6, latency: 20 }));
    pair = await loopbackPair({ toxics, highWaterMark: 32 * 1024 });
    expect(pair.linked.link.queueLimit).toBeUndefined();
    expect(pair.linked.holdLimit).toBe(20_000 + 32 * 1024);
    const peak = await saturate(pair, 300_000);
    expect(peak).toBeLessThanOrEqual(20_000 + 32 * 1024 + CHUNK);
  });

  it('a preset as one profile toxic states the same limit as its toxics, and a link without a rate has none', async () => {
    const direct = await loopbackPair({ toxics: faultsToToxics({ preset: 'satellite' }) });
    const asProfile = await loopbackPair({ toxics: [{ name: 'p', type: 'profile', stream: 'upstream', toxicity: 1, attributes: { preset: 'satellite' } }] });
    const latencyOnly = await loopbackPair({ toxics: faultsToToxics({ latency: 50 }) });
    try {
      // 3 Mbit/s up over 300 ms one way: 112.5 kB in flight, plus txqueuelen's 1.5 MB.
      expect(direct.linked.holdLimit).toBe(112_500 + 1_500_000);
      expect(asProfile.linked.holdLimit).toBe(direct.linked.holdLimit);
      expect(latencyOnly.linked.holdLimit).toBeUndefined();
    } finally {
      await Promise.all([direct.close(), asProfile.close(), latencyOnly.close()]);
    }
  });

  it('with jitter the in-flight part counts the mean delay pieces take: a piece waits for the one before it, so more than latency', { timeout: 20_000 }, async () => {
    // 200 kB/s, 100 ± 40 ms paretonormal one way: 20 kB in flight at the latency alone.
    const toxics = new ToxicSet(faultsToToxics({ bandwidth: 1.6e6, queue: { ms: 100 }, latency: 100, jitter: 40, distribution: 'paretonormal' }));
    pair = await loopbackPair({ toxics });
    expect(pair.linked.link.bdpBytes).toBe(20_000);
    await saturate(pair, 200_000);
    // netem's tables stop at 4 jitters: no piece takes longer than 260 ms.
    expect(pair.linked.link.bdpBytes).toBeGreaterThan(20_000);
    expect(pair.linked.link.bdpBytes).toBeLessThanOrEqual(200 * 260);
    expect(pair.linked.holdLimit).toBe(pair.linked.link.bdpBytes! + 20_000);
  });

  it('a fast link with little delay holds at least 4 ms at its rate, which its ms timers need to stay busy', async () => {
    pair = await loopbackPair({ toxics: faultsToToxics({ preset: 'lan' }) });
    expect(pair.linked.link.bdpBytes).toBe(0);
    expect(pair.linked.holdLimit).toBe(4 * 125_000 + 64 * 1024);
  });
});
