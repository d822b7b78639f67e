/**
 * The Jetty cancel race between a real node:http2 client and h2race's engine: release-on-reset over a link that
 * keeps writes pending breaks the whole connection; over a zero-delay link every mode is clean.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../h2/frame/constants.js';
import { createBufferPool } from '../../faults/pool/create-pool.js';
import { POOL_MODES } from '../../faults/pool/types.js';
import { closeFrameServerAfterEach, type FrameServer } from './harness.js';
import {
  evidence,
  frameServerTarget,
  runSeek,
  stallUntilRace,
  STALL_BACKPRESSURE_BYTES,
  startSeekServer,
  Y_BYTES,
} from './seek-scenario.js';

let server: FrameServer | undefined;
closeFrameServerAfterEach(() => {
  const s = server;
  server = undefined;
  return s;
});

describe.each([false, true])('a seek while an SSE and another range run (tls=%s)', (tls) => {
  it('release-on-reset over a slow link: the cancel kills the connection', async () => {
    const pool = createBufferPool('release-on-reset');
    server = await startSeekServer(pool, { tls, slow: true, backpressureBytes: STALL_BACKPRESSURE_BYTES });
    // The link holds X's queued frames while the cancel goes out, however slow the machine is.
    const toxics = server.toxics;
    const outcome = await runSeek(frameServerTarget(server), { onXCancelling: () => stallUntilRace(toxics, pool) });
    const why = evidence(outcome, pool, server.seen);
    expect(outcome.xCancelled, why).toBe(true);
    expect(pool.stats().racesReusedWhilePending, why).toBeGreaterThan(0);
    // Streams: 1 SSE, 3 the cancelled range X, 5 the other range Y. Only X's pending 16 KiB DATA
    // frames lose their buffers, to Y's or the SSE's next frames.
    for (const race of pool.races) {
      expect(race.pending, why).toMatchObject({ streamId: 3, frameType: 0, length: 16_393 });
      expect([1, 5], why).toContain(race.reusedFor.streamId);
    }
    // The client reads X's stale bytes as a frame header of length 0x787878 and answers GOAWAY...
    expect(outcome.clientGoawayCode, why).toBe(ErrorCode.FRAME_SIZE_ERROR);
    // ...and the streams nobody cancelled die with the connection.
    expect(outcome.connectionDied, why).toBe(true);
    expect(outcome.yIntact, why).toBe(false);
    expect(outcome.yBytes, why).toBeLessThan(Y_BYTES);
    expect(outcome.sseAlive, why).toBe(false);
  });

  it.each(POOL_MODES)('pool %s over a zero-delay link: clean', async (mode) => {
    const pool = createBufferPool(mode);
    server = await startSeekServer(pool, { tls, slow: false });
    const outcome = await runSeek(frameServerTarget(server));
    const why = evidence(outcome, pool, server.seen);
    expect(outcome.xCancelled, why).toBe(true);
    expect(outcome.clientGoawayCode, why).toBeUndefined();
    expect(outcome.connectionDied, why).toBe(false);
    expect(outcome.yIntact, why).toBe(true);
    expect(outcome.sseAlive, why).toBe(true);
  });
});
