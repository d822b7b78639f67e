/**
 * The fixes hold: none, discard-on-reset and retain are clean over a slow link, for several seeds
 * (the seed drives the link's jitter and the frame reordering, so each seed is another schedule).
 * One transport per test file (safe-modes-h2c / safe-modes-tls) keeps each file short.
 */
import { describe, expect, it } from 'vitest';
import { createBufferPool } from '../../faults/pool/create-pool.js';
import { closeFrameServerAfterEach, type FrameServer } from './harness.js';
import { evidence, frameServerTarget, runSeek, startSeekServer } from './seek-scenario.js';

const SEEDED_FAULTS = [
  { type: 'latency', stream: 'downstream', attributes: { latency: 5, jitter: 5 } },
  { type: 'reorder', attributes: { window: 4, probability: 0.3 } },
];

export function safeModeSuite(tls: boolean): void {
  let server: FrameServer | undefined;
  closeFrameServerAfterEach(() => {
    const s = server;
    server = undefined;
    return s;
  });

  describe.each(['none', 'discard-on-reset', 'retain'] as const)(`a seek over a slow link (tls=${tls}), pool %s`, (mode) => {
    it.each([1, 2, 3])('seed %i: clean, no buffer reused while pending', async (seed) => {
      const pool = createBufferPool(mode);
      server = await startSeekServer(pool, { tls, slow: true, seed, toxics: SEEDED_FAULTS });
      const outcome = await runSeek(frameServerTarget(server));
      const why = evidence(outcome, pool);
      expect(outcome.xCancelled, why).toBe(true);
      expect(outcome.clientGoawayCode, why).toBeUndefined();
      expect(outcome.connectionDied, why).toBe(false);
      expect(outcome.yIntact, why).toBe(true);
      expect(outcome.sseAlive, why).toBe(true);
      expect(pool.stats().racesReusedWhilePending, why).toBe(0);
    });
  });
}
