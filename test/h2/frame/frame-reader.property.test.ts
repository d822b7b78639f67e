/**
 * FrameReader against any cut of the byte stream: a run of frames fed in seeded random chunks
 * (header split, payload split, several frames in one chunk) reaches the sink as the same frames,
 * each header checked once before its payload, byte-exact, in order.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { writeFrameHeader, type FrameHeader } from '../../../h2/frame/codec.js';
import { FRAME_HEADER_LENGTH } from '../../../h2/frame/constants.js';
import { FrameReader } from '../../../h2/frame/frame-reader.js';

const frameArb = fc.record({
  type: fc.integer({ min: 0, max: 255 }),
  flags: fc.integer({ min: 0, max: 255 }),
  streamId: fc.integer({ min: 0, max: 0x7fffffff }),
  payload: fc.uint8Array({ maxLength: 40 }),
});

function wire(frames: { type: number; flags: number; streamId: number; payload: Uint8Array }[]): Buffer {
  return Buffer.concat(
    frames.map((f) => {
      const bytes = Buffer.alloc(FRAME_HEADER_LENGTH + f.payload.length);
      writeFrameHeader(bytes, { length: f.payload.length, type: f.type, flags: f.flags, streamId: f.streamId });
      bytes.set(f.payload, FRAME_HEADER_LENGTH);
      return bytes;
    }),
  );
}

it('hands out every frame whole and in order however the bytes are cut', () => {
  fc.assert(
    fc.property(fc.array(frameArb, { maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 23 }), { minLength: 1, maxLength: 64 }), (frames, cuts) => {
      const bytes = wire(frames);
      const checked: FrameHeader[] = [];
      const seen: { header: FrameHeader; frame: Buffer }[] = [];
      const reader = new FrameReader({
        checkFrameHeader: (header) => checked.push({ ...header }),
        // A copy: the reader may hand out a view of a chunk the test reuses.
        onFrame: (header, frame) => seen.push({ header: { ...header }, frame: Buffer.from(frame) }),
      });
      let at = 0;
      for (let i = 0; at < bytes.length; i++) {
        const n = cuts[i % cuts.length]!;
        reader.feed(bytes.subarray(at, at + n));
        at += n;
      }
      const expected = frames.map((f) => ({ length: f.payload.length, type: f.type, flags: f.flags, streamId: f.streamId }));
      expect(checked).toEqual(expected);
      expect(seen.map((s) => s.header)).toEqual(expected);
      expect(seen.map((s) => s.frame)).toEqual(frames.map((f) => wire([f])));
    }),
    { seed: 20_261_207, numRuns: 300 },
  );
});
