/**
 * The engine path inside the whole proxy (startH2race → startProxy's downstream wrapper): the seek
 * race through h2race in front of a real origin, and the fix.
 */
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../h2/frame/constants.js';
import type { RunningH2race } from '../../proxy/h2race.js';
import { createProxyEvents } from '../../proxy/events.js';
import { evidence, proxySeekTarget, runSeek, seekHandler, stallUntilRace, startSlowLinkH2race, type SeekTarget } from './seek-scenario.js';
import type { PoolMode } from '../../faults/pool/types.js';

let origin: http2.Http2Server | undefined;
let h2race: RunningH2race | undefined;
afterEach(async () => {
  await h2race?.close();
  expect(h2race?.pool.stats().inUse).toBe(0);
  h2race = undefined;
  origin?.close();
  origin = undefined;
});

async function startThroughProxy(mode: PoolMode): Promise<{ proxy: RunningH2race; target: SeekTarget }> {
  origin = http2.createServer();
  origin.on('stream', seekHandler);
  await new Promise<void>((resolve) => origin!.listen(0, '127.0.0.1', resolve));
  const events = createProxyEvents();
  h2race = await startSlowLinkH2race(`h2c://127.0.0.1:${(origin.address() as AddressInfo).port}`, mode, events);
  return { proxy: h2race, target: proxySeekTarget(h2race, events) };
}

describe('the seek race through startH2race (TLS front, h2c origin, slow link)', () => {
  it('release-on-reset: the client answers GOAWAY and the uncancelled streams die', async () => {
    const { proxy, target } = await startThroughProxy('release-on-reset');
    // The link stalls as X is requested; the client cancels once the engine path holds X's frames
    // (the proxy forwards X at the origin's pace, so "on X's first bytes" would be a race of its own).
    const outcome = await runSeek(
      target,
      {
        onXRequested: () => stallUntilRace(proxy.toxics, proxy.pool),
        cancelXWhen: (path, x) => path.pendingFrames(x) >= 4,
      },
    );
    const why = evidence(outcome, proxy.pool);
    expect(proxy.pool.stats().racesReusedWhilePending, why).toBeGreaterThan(0);
    expect([ErrorCode.FRAME_SIZE_ERROR, ErrorCode.PROTOCOL_ERROR], why).toContain(outcome.clientGoawayCode);
    expect(outcome.connectionDied, why).toBe(true);
    expect(outcome.yIntact, why).toBe(false);
  });

  it('retain: clean', async () => {
    const { proxy, target } = await startThroughProxy('retain');
    const outcome = await runSeek(target);
    const why = evidence(outcome, proxy.pool);
    expect(outcome.connectionDied, why).toBe(false);
    expect(outcome.yIntact, why).toBe(true);
    expect(outcome.sseAlive, why).toBe(true);
    expect(proxy.pool.stats().racesReusedWhilePending, why).toBe(0);
  });
});
