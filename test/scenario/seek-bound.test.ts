import { describe, expect, it } from 'vitest';
import { seekDeadMs, usefulWantingMs, videoShareAllowed } from '../../scenario/seek-bound.js';
import { summarize } from '../../scenario/summary.js';
import type { StreamRecord } from '../../scenario/types.js';
import { runRecord } from './run-record.js';

function cancelledVideo(seq: number, viewer: number, endMs: number): StreamRecord {
  return { seq, viewer, connection: viewer, kind: 'video', path: '/video', startMs: endMs - 100, endMs, bytes: 1000, wireBytes: 1000, corruptBytes: 0, outcome: 'cancelled', cancelledByUs: true };
}

describe('the useful time the seeks allow', () => {
  it('is the whole wanting time without seeks', () => {
    expect(usefulWantingMs(7000, [], 10_000, 400)).toBe(7000);
  });

  it('takes W after each seek, or the whole gap when the next seek comes sooner', () => {
    // seeks at 1000, 1100 (gap 100 < W: all lost), 5000 (gap 3900: 400 lost), end at 10000 (5000: 400 lost)
    expect(usefulWantingMs(10_000, [5000, 1000, 1100], 10_000, 400)).toBe(10_000 - 100 - 400 - 400);
  });

  it('never goes below zero', () => {
    expect(usefulWantingMs(300, [0, 500, 1000], 2000, 400)).toBe(0);
  });
});

describe('videoShareAllowed', () => {
  it("is W = the preset's RTT + its queue time: 3g is 300 ms + 100 ms", () => {
    expect(seekDeadMs(runRecord({ profile: '3g' }))).toBeCloseTo(400, 0);
  });

  it('is the useful share of the wanting time, over every viewer', () => {
    const run = runRecord({
      profile: '3g',
      viewers: 2,
      durationMs: 10_000,
      videoWantingMs: [10_000, 6000],
      streams: [cancelledVideo(1, 1, 2000), cancelledVideo(2, 1, 2100), cancelledVideo(3, 2, 9900)],
    });
    // viewer 1 loses 100 + 400; viewer 2 loses the 100 ms to the end
    expect(videoShareAllowed(run)).toBe(Math.round((1000 * (10_000 - 500 + 6000 - 100)) / 16_000) / 1000);
    expect(summarize(run).videoShareAllowed).toBe(videoShareAllowed(run));
  });

  it('is undefined when W is unknown: no preset, or a preset without a queue', () => {
    expect(videoShareAllowed(runRecord({ profile: undefined }))).toBeUndefined();
    expect(videoShareAllowed(runRecord({ profile: 'profiles/mine.yaml' }))).toBeUndefined();
    expect(videoShareAllowed(runRecord({ profile: 'lan' }))).toBeUndefined();
  });
});
