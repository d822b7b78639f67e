/**
 * The loss toxic's recovery on a real socket: a lost segment with enough data behind it is
 * retransmitted a round trip after that data arrived (fast retransmit), a tail loss waits for the
 * RTO. Each case sets the other timer to ten minutes, so the transfer completing at all says which
 * one delivered the segment; counts come from the link itself, taken synchronously after the write.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FaultDecision } from '../../faults/link/stage.js';
import { ToxicSet } from '../../faults/link/toxic-set.js';
import { SeededRandom } from '../../faults/random.js';
import { TCP_MSS } from '../../faults/toxics/loss-recovery.js';
import { loopbackPair, receiveBytes, type LoopbackPair } from './loopback.js';

const NEVER_MS = 600_000;

let pair: LoopbackPair | undefined;
afterEach(async () => {
  await pair?.close();
  pair = undefined;
});

async function lossy(attributes: { percent: number; rtt: number; rto: number }, seed: number, bits?: number): Promise<{ p: LoopbackPair; lost: number[] }> {
  const lost: number[] = [];
  const onDecision = (d: FaultDecision): void => {
    if (d.kind === 'loss') lost.push(d.value as number);
  };
  const bottleneck = bits === undefined ? [] : [{ type: 'bandwidth', stream: 'upstream', attributes: { bits } }];
  const toxics = new ToxicSet([...bottleneck, { type: 'loss', stream: 'upstream', attributes }]);
  pair = await loopbackPair({ toxics, random: new SeededRandom(seed, 'loss-recovery'), onDecision });
  return { p: pair, lost };
}

function payload(segments: number): Buffer {
  const data = Buffer.alloc(segments * TCP_MSS);
  for (let i = 0; i < data.length; i++) data[i] = i % 251;
  return data;
}

describe('loss recovery', () => {
  it('a loss with data behind it costs a round trip (fast retransmit), not an RTO; what arrived behind it waits at the receiver', async () => {
    const rtt = 40;
    const { p, lost } = await lossy({ percent: 10, rtt, rto: NEVER_MS }, 3);
    const data = payload(100);
    const got = receiveBytes(p.peer, data.length);
    const t0 = performance.now();
    p.linked.write(data);
    // The seed loses some segments, none of the last three: every loss has > 2 segments SACKed above it.
    expect(lost.length).toBeGreaterThan(2);
    expect(Math.max(...lost)).toBeLessThan(97);
    // Before the first lost segment: delivered at once. Behind it: held, and what arrived of it
    // (every segment not lost) is at the receiver, out of the sender's window.
    const first = Math.min(...lost);
    expect(p.linked.link.delivery.bytes).toBe(first * TCP_MSS);
    expect(p.linked.link.reassemblyBytes).toBe((100 - first - lost.length) * TCP_MSS);
    const { at, data: received } = await got;
    expect(received.equals(data)).toBe(true);
    expect(at - t0).toBeGreaterThanOrEqual(rtt - 1);
    expect(p.linked.link.reassemblyBytes).toBe(0);
  });

  it('each retransmission crosses the bottleneck again: the link carries the lost segments twice', { timeout: 10_000 }, async () => {
    const bytesPerMs = 100;
    const { p, lost } = await lossy({ percent: 10, rtt: 5, rto: NEVER_MS }, 3, bytesPerMs * 8000);
    const data = payload(100);
    const got = receiveBytes(p.peer, data.length);
    const t0 = performance.now();
    p.linked.write(data);
    const { data: received } = await got;
    expect(received.equals(data)).toBe(true);
    expect(lost.length).toBeGreaterThan(2);
    // The retransmissions joined the bottleneck's queue behind the data, so a byte written now
    // leaves after them: the bottleneck's clock lets it out no sooner than everything's
    // transmission time (pieces leave up to 1 ms early, scheduled-queue.ts). Without the
    // retransmissions that is `lost` segments less.
    const marker = receiveBytes(p.peer, 1);
    p.linked.write(Buffer.of(7));
    const { at } = await marker;
    expect(at - t0).toBeGreaterThanOrEqual(((100 + lost.length) * TCP_MSS + 1) / bytesPerMs - 1);
  });

  it('a tail loss (nothing behind it) waits for the RTO, however short the round trip', async () => {
    const rto = 50;
    const { p, lost } = await lossy({ percent: 100, rtt: NEVER_MS, rto }, 1);
    const data = payload(1).subarray(0, 1000);
    const got = receiveBytes(p.peer, data.length);
    const t0 = performance.now();
    p.linked.write(data);
    expect(lost).toEqual([0]);
    expect(p.linked.link.delivery.bytes).toBe(0);
    expect(p.linked.link.reassemblyBytes).toBe(0);
    const { at, data: received } = await got;
    expect(received.equals(data)).toBe(true);
    expect(at - t0).toBeGreaterThanOrEqual(rto - 1);
  });

  it('a loss followed by too little data (≤ 2 segments) is a tail loss too: RTO', async () => {
    const rto = 50;
    // Loses only segment 0 of three (the seed's rolls are checked below).
    const { p, lost } = await lossy({ percent: 30, rtt: NEVER_MS, rto }, 7);
    const data = payload(3);
    const got = receiveBytes(p.peer, data.length);
    p.linked.write(data);
    expect(lost).toEqual([0]);
    expect(p.linked.link.reassemblyBytes).toBe(2 * TCP_MSS);
    const { data: received } = await got;
    expect(received.equals(data)).toBe(true);
  });
});
