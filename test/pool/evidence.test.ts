import { describe, expect, it } from 'vitest';
import { describeRace } from '../../faults/pool/evidence.js';

const pending = { connection: 1, streamId: 3, frameType: 0, length: 16_393 };

describe('race evidence', () => {
  it('says which stream lost its frame to which, and what went out', () => {
    expect(describeRace({ pending, reusedFor: { connection: 1, streamId: 1, frameType: 0, length: 40 } })).toBe(
      "conn 1: stream 3's DATA frame (16393 bytes) was still pending when its buffer was reused for stream 1's DATA frame " +
        "(40 bytes, conn 1); the pending write sends stream 1's frame followed by 16353 stale bytes the client reads as a frame header",
    );
    expect(describeRace({ pending: { ...pending, length: 100 }, reusedFor: { connection: 2, streamId: 5, frameType: 1, length: 300 } })).toMatch(
      /stream 5's HEADERS frame \(300 bytes, conn 2\); the pending write sends the first 100 bytes of stream 5's frame, cut mid-frame$/,
    );
    expect(describeRace({ pending, reusedFor: { ...pending, streamId: 5 } })).toMatch(/wrong payload, same length$/);
  });
});
