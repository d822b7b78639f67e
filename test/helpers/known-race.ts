/**
 * A compare run where release-on-reset reliably breaks connections: 3 viewers seeking 3 times a
 * second for 3.5 s on cable, through real h2race proxies, seed 5. Shared by the tests that need a
 * run with a known race (compare.test.ts, the report's browser test).
 */
import { runCompare, type CompareResult } from '../../scenario/compare.js';
import { h2raceForMode } from '../../scenario/h2race-for-mode.js';

export function compareWithKnownRace(modes: readonly string[]): Promise<CompareResult> {
  return runCompare({
    modes,
    profiles: ['cable'],
    startProxyForMode: h2raceForMode({ seed: 5 }),
    viewers: 3,
    durationMs: 3500,
    seed: 5,
    seeksPerSecond: 3,
  });
}
