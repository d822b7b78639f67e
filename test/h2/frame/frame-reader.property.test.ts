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

it('with dataPieces, hands a split unpadded DATA frame out as views of the chunks (at most 8, else assembled), every other frame whole', () => {
  const DATA = 0;
  const PADDED = 0x8;
  // Half of the frames DATA, some padded: the padded ones and all others still come whole.
  const mixedArb = fc.record({
    type: fc.constantFrom(DATA, DATA, 1, 8, 0xfa),
    flags: fc.constantFrom(0, 1, PADDED),
    streamId: fc.integer({ min: 0, max: 0x7fffffff }),
    payload: fc.uint8Array({ maxLength: 40 }),
  });
  fc.assert(
    fc.property(fc.array(mixedArb, { maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 23 }), { minLength: 1, maxLength: 64 }), (frames, cuts) => {
      const bytes = wire(frames);
      const seen: { header: FrameHeader; payload: Buffer; pieces: number }[] = [];
      const reader = new FrameReader(
        {
          checkFrameHeader: () => undefined,
          onFrame: (header, frame) => seen.push({ header: { ...header }, payload: Buffer.from(frame.subarray(FRAME_HEADER_LENGTH)), pieces: 0 }),
          onDataPieces: (header, pieces) => {
            for (const piece of pieces) {
              // A view of the bytes fed, not a copy; never empty.
              expect(piece.buffer).toBe(bytes.buffer);
              expect(piece.length).toBeGreaterThan(0);
            }
            seen.push({ header: { ...header }, payload: Buffer.concat(pieces), pieces: pieces.length });
          },
        },
        true,
      );
      const splitAt = new Set<number>();
      let at = 0;
      for (let i = 0; at < bytes.length; i++) {
        const n = cuts[i % cuts.length]!;
        reader.feed(bytes.subarray(at, at + n));
        at += n;
        splitAt.add(at);
      }
      let start = 0;
      const expected = frames.map((f) => {
        const end = start + FRAME_HEADER_LENGTH + f.payload.length;
        // Split: a cut falls inside the payload, after the whole header.
        let split = false;
        for (const cut of splitAt) if (cut >= start + FRAME_HEADER_LENGTH && cut < end) split = true;
        const headerSplit = [...splitAt].some((cut) => cut > start && cut < start + FRAME_HEADER_LENGTH);
        // More than MAX_DATA_PIECES (8) views and the frame is assembled after all.
        const pieces = 1 + [...splitAt].filter((cut) => cut > start + FRAME_HEADER_LENGTH && cut < end).length;
        start = end;
        const inPieces = split && !headerSplit && pieces <= 8 && f.type === DATA && !(f.flags & PADDED);
        return { inPieces, payload: Buffer.from(f.payload) };
      });
      expect(seen.map((s) => s.header)).toEqual(frames.map((f) => ({ length: f.payload.length, type: f.type, flags: f.flags, streamId: f.streamId })));
      expect(seen.map((s) => s.payload)).toEqual(expected.map((e) => e.payload));
      expect(seen.map((s) => s.pieces > 0)).toEqual(expected.map((e) => e.inPieces));
    }),
    { seed: 20_261_207, numRuns: 300 },
  );
});
