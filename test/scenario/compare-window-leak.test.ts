/**
 * compare with the window models on the 3g preset, through real h2race proxies in front of the
 * demo origin (issue 18): the viewers' seeks cancel ranges whose DATA is still on the slow link
 * upstream; with window-leak-on-reset h2race's upstream session drops it uncredited, the
 * 65,535-byte connection window drains, and streams nobody cancelled (SSE, video) stall —
 * COLLATERAL, `stalled`, and the first damaged connection's story says which stream got no byte
 * while its connection answered PING. The twin, window-credit-on-reset, same seed: CLEAN.
 */
import { describe, expect, it } from 'vitest';
import { runCompare } from '../../scenario/compare.js';
import { h2raceForMode } from '../../scenario/h2race-for-mode.js';
import { STALLED } from '../../scenario/summary.js';

const STALL_AFTER_MS = 2000;

describe('compare window-leak-on-reset window-credit-on-reset --profile 3g', () => {
  it('the leak is COLLATERAL with stalled bystanders and a stall story; the twin is CLEAN', { timeout: 60_000 }, async () => {
    const result = await runCompare({
      modes: ['window-leak-on-reset', 'window-credit-on-reset'],
      profiles: ['3g'],
      startProxyForMode: h2raceForMode({ seed: 1 }),
      viewers: 2,
      durationMs: 6000,
      stallAfterMs: STALL_AFTER_MS,
      seed: 1,
    });
    const [leak, twin] = result.runs.map((r) => r.summary);
    const why = JSON.stringify(result.runs.map((r) => ({ ...r.summary, damage: undefined })));
    expect(leak!.mode).toBe('window-leak-on-reset');
    expect(leak!.verdict, why).toBe('COLLATERAL');
    expect(leak!.stalledStreams, why).toBeGreaterThan(0);
    expect(leak!.collateral, why).toBe(leak!.stalledStreams);
    expect(Object.keys(leak!.collateralCodes).every((label) => label.startsWith(STALLED)), why).toBe(true);
    const stall = leak!.damage.flatMap((d) => d.lines).find((l) => l.step === 'stall');
    expect(stall?.text, why).toMatch(/^(SSE|video) stream \d+ \(\/\S+.*\) got no byte for \d+\.\d s while its connection answered PING in \d+ ms/);

    expect(twin!.mode).toBe('window-credit-on-reset');
    expect(twin!.cancels, why).toBeGreaterThan(0);
    expect(twin!.verdict, why).toBe('CLEAN');
    expect(result.failedSafeModes).toEqual([]);
  });
});
