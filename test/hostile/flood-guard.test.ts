import { describe, expect, it } from 'vitest';
import { ErrorCode, FrameFlag, FrameType } from '../../h2/frame/constants.js';
import { FrameError, type FrameHeader } from '../../h2/frame/codec.js';
import { FloodGuard } from '../../h2/proto/flood-guard.js';

const h = (type: number, flags = 0, length = 0, streamId = 0): FrameHeader => ({ type, flags, length, streamId });

function framesUntilTrip(guard: FloodGuard, header: FrameHeader, max: number, nowMs: (i: number) => number): number {
  for (let i = 0; i < max; i++) {
    try {
      guard.check(header, nowMs(i));
    } catch (err) {
      expect(err).toBeInstanceOf(FrameError);
      expect((err as FrameError).code).toBe(ErrorCode.ENHANCE_YOUR_CALM);
      return i;
    }
  }
  return max;
}

describe('FloodGuard', () => {
  it('lets a burst of resets through, then trips with ENHANCE_YOUR_CALM', () => {
    const guard = new FloodGuard({ resets: { perSecond: 10, burst: 50 } });
    expect(framesUntilTrip(guard, h(FrameType.RST_STREAM, 0, 4, 1), 1000, () => 0)).toBe(50);
  });

  it('streams the client made the server reset (MadeYouReset) share the rapid-reset bucket with its own resets', () => {
    const guard = new FloodGuard({ resets: { perSecond: 10, burst: 50 } });
    for (let i = 0; i < 30; i++) guard.check(h(FrameType.RST_STREAM, 0, 4, 1 + 2 * i), 0);
    for (let i = 0; i < 20; i++) guard.streamReset(101 + 2 * i, 0);
    expect(() => guard.streamReset(141, 0)).toThrow(expect.objectContaining({ code: ErrorCode.ENHANCE_YOUR_CALM }));
  });

  it('refills at the configured rate: a client under the rate never trips', () => {
    const guard = new FloodGuard({ resets: { perSecond: 100, burst: 10 } });
    // 99 resets per second for 60 simulated seconds.
    expect(framesUntilTrip(guard, h(FrameType.RST_STREAM, 0, 4, 1), 99 * 60, (i) => (i * 1000) / 99)).toBe(99 * 60);
    // Twice the rate: trips once the burst and the refill are spent (about 10 + i/2 frames).
    const fast = new FloodGuard({ resets: { perSecond: 100, burst: 10 } });
    const tripped = framesUntilTrip(fast, h(FrameType.RST_STREAM, 0, 4, 1), 1000, (i) => (i * 1000) / 200);
    expect(tripped).toBeGreaterThanOrEqual(19);
    expect(tripped).toBeLessThanOrEqual(22);
  });

  it('counts each flood kind on its own bucket, and ignores ACKs', () => {
    const guard = new FloodGuard({ pings: { perSecond: 1, burst: 3 }, settings: { perSecond: 1, burst: 3 } });
    for (let i = 0; i < 100; i++) guard.check(h(FrameType.PING, FrameFlag.ACK, 8), 0);
    for (let i = 0; i < 100; i++) guard.check(h(FrameType.SETTINGS, FrameFlag.ACK, 0), 0);
    expect(framesUntilTrip(guard, h(FrameType.PING, 0, 8), 10, () => 0)).toBe(3);
    expect(framesUntilTrip(guard, h(FrameType.SETTINGS, 0, 6), 10, () => 0)).toBe(3);
  });

  it('counts only empty DATA without END_STREAM', () => {
    const guard = new FloodGuard({ emptyData: { perSecond: 1, burst: 2 } });
    for (let i = 0; i < 100; i++) guard.check(h(FrameType.DATA, 0, 100, 1), 0);
    for (let i = 0; i < 100; i++) guard.check(h(FrameType.DATA, FrameFlag.END_STREAM, 0, 3 + 2 * i), 0);
    expect(framesUntilTrip(guard, h(FrameType.DATA, 0, 0, 1), 10, () => 0)).toBe(2);
  });

  it('caps CONTINUATION frames and bytes per header block, and starts over with each HEADERS', () => {
    const guard = new FloodGuard({ maxContinuations: 4, maxHeaderBlockBytes: 1000 });
    for (let block = 0; block < 10; block++) {
      guard.check(h(FrameType.HEADERS, 0, 100, 1 + 2 * block), 0);
      for (let i = 0; i < 4; i++) guard.check(h(FrameType.CONTINUATION, 0, 100, 1 + 2 * block), 0);
    }
    expect(() => guard.check(h(FrameType.CONTINUATION, 0, 10, 19), 0)).toThrow(/more than 4 CONTINUATION/);
    const bytes = new FloodGuard({ maxContinuations: 100, maxHeaderBlockBytes: 1000 });
    bytes.check(h(FrameType.HEADERS, 0, 600, 1), 0);
    expect(() => bytes.check(h(FrameType.CONTINUATION, 0, 401, 1), 0)).toThrow(/larger than 1000 bytes/);
  });

  it('counts DATA and HEADERS on streams the client ended, forgetting the oldest of many', () => {
    const guard = new FloodGuard({ afterEnd: { perSecond: 1, burst: 3 } });
    guard.check(h(FrameType.HEADERS, FrameFlag.END_HEADERS, 10, 1), 0);
    guard.check(h(FrameType.DATA, 0, 100, 1), 0);
    guard.check(h(FrameType.DATA, FrameFlag.END_STREAM, 100, 1), 0);
    guard.check(h(FrameType.RST_STREAM, 0, 4, 3), 0);
    // Frames that may follow the end are not counted.
    for (let i = 0; i < 100; i++) guard.check(h(FrameType.WINDOW_UPDATE, 0, 4, 1), 0);
    guard.check(h(FrameType.DATA, 0, 1, 1), 0);
    guard.check(h(FrameType.DATA, 0, 1, 3), 0);
    guard.check(h(FrameType.HEADERS, FrameFlag.END_HEADERS, 1, 1), 0);
    expect(() => guard.check(h(FrameType.DATA, 0, 1, 1), 0)).toThrow(/DATA after the end of stream 1/);

    const many = new FloodGuard({ afterEnd: { perSecond: 1, burst: 1 } });
    for (let id = 1; id < 2 * 2000; id += 2) many.check(h(FrameType.HEADERS, FrameFlag.END_HEADERS | FrameFlag.END_STREAM, 10, id), 0);
    many.check(h(FrameType.DATA, 0, 1, 1), 0); // long forgotten: not counted
    many.check(h(FrameType.DATA, 0, 1, 3999), 0);
    expect(() => many.check(h(FrameType.DATA, 0, 1, 3997), 0)).toThrow(FrameError);
  });

  it("names the peer by its role: the client when the engine serves, the server when it is the client", () => {
    const reasons = (peer?: 'client' | 'server'): string[] => {
      const guard = new FloodGuard({ pings: { perSecond: 1, burst: 1 }, resets: { perSecond: 1, burst: 1 } }, peer);
      guard.check(h(FrameType.PING, 0, 8), 0);
      guard.streamReset(1, 0);
      return [() => guard.check(h(FrameType.PING, 0, 8), 0), () => guard.streamReset(3, 0)].map((over) => {
        try {
          over();
        } catch (err) {
          return (err as Error).message;
        }
        return 'no error';
      });
    };
    expect(reasons()).toEqual(['PING flood: more than 1/s (burst 1) from the client', 'stream errors the client caused (the last on stream 3): more than 1/s (burst 1) with its resets']);
    expect(reasons('server')).toEqual(['PING flood: more than 1/s (burst 1) from the server', 'stream errors the server caused (the last on stream 3): more than 1/s (burst 1) with its resets']);
  });
});
