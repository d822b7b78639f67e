/**
 * The shaping relay of `scenario --shape`, measured per preset on real loopback sockets with a
 * bulk download and a ping-pong (bench/shape-fidelity.ts): the figures are the emulator's own, so
 * the assertions are the bounds it guarantees, plus one lower bound on the rate with a tolerance
 * for a busy machine (justified below). Quiet-machine figures are in `node dist/bench/shape-fidelity.js`.
 */
import { describe, expect, it } from 'vitest';
import { PRESETS, type Preset } from '../../faults/profiles/presets.js';
import { expectedDownBytesPerSecond, measureShapedRate, measureShapedRtt } from '../../bench/shape-fidelity.js';

const PINGS = 5;
const RATE_SECONDS = 5;
/**
 * Timers fire up to 1 ms early (scheduled-queue.ts), each way; a jittered delay goes down by at
 * most one jitter (uniform) or four (netem's tables stop at ±4).
 */
function minRttMs(p: Preset): number {
  const oneWay = Math.round(p.rttMs / 2);
  const jitter = (p.jitterMs ?? 0) * (p.jitterDistribution === 'uniform' || p.jitterDistribution === undefined ? 1 : 4);
  return 2 * Math.max(0, oneWay - jitter) - 2;
}

describe('the shaped path per preset', () => {
  it('a ping-pong never comes back sooner than the preset\'s round trip; a bulk download never beats its rate and reaches 90 % of what it should deliver (its capacity less its retransmissions)', { timeout: 60_000 }, async () => {
    const rated = PRESETS.filter((p) => p.downBitsPerSecond !== undefined);
    const [rtts, rates] = await Promise.all([
      Promise.all(PRESETS.map((p) => measureShapedRtt(p.name, PINGS))),
      Promise.all(rated.map((p) => measureShapedRate(p.name, RATE_SECONDS))),
    ]);
    PRESETS.forEach((p, i) => {
      const rtt = rtts[i]!;
      expect(rtt.min, `${p.name}: ${JSON.stringify(rtt)}`).toBeGreaterThanOrEqual(minRttMs(p));
    });
    rated.forEach((p, i) => {
      const rate = rates[i]!;
      const nominal = p.downBitsPerSecond! / 8;
      const why = `${p.name}: ${Math.round(rate.bytesPerSecond)} B/s of ${nominal}; per second ${rate.perSecond.join(' ')}`;
      // The bandwidth stage's clock lets out at most rate × t; the window may open mid-slice and
      // close on a slice let out 1 ms early: two slices (10 ms, or 1500 B when longer) and 2 ms.
      const sliceMs = Math.max(10, 1500 / (nominal / 1000));
      expect(rate.bytesPerSecond, why).toBeLessThanOrEqual(nominal * (1 + (2 * sliceMs + 2) / (RATE_SECONDS * 1000)));
      // lan's 1 Gbit/s takes the relay a good part of a core: alone it delivers 98 % (the bench),
      // beside fifteen other transfers on two shared cores 74-89 %: only its upper bound is checked.
      if (p.name === 'lan') return;
      // Not a guarantee: a late timer is made up (release times are absolute) but the window can
      // end mid-catch-up (or behind a lost segment), and fifteen transfers share two busy cores.
      // Quiet 10 s runs measure 99-100 % (lossy-mobile 98 %); the cap this guards
      // against delivered 7-72 % (satellite, 4g, 3g, 3g-slow, 4g-slow), an RTO per lost segment
      // 26 % (lossy-mobile) and 76 % (wifi).
      expect(rate.bytesPerSecond, why).toBeGreaterThanOrEqual(expectedDownBytesPerSecond(p)! * 0.9);
    });
  });
});
