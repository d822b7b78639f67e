import { describe, expect, it } from 'vitest';
import {
  countVideoMismatches,
  fillVideo,
  firstVideoMismatch,
  sseEventData,
  videoByte,
  videoBytes,
} from '../../origin/content.js';
import { parseRange } from '../../origin/range.js';

describe('video content', () => {
  it('fillVideo agrees with videoByte at aligned and unaligned offsets, including beyond 4 GiB and across the 16 GiB word boundary', () => {
    for (const offset of [0, 1, 2, 3, 4, 1021, 64 * 1024 * 1024 - 7, 2 ** 33 + 5, 2 ** 34 - 6, 2 ** 36 + 3]) {
      for (const length of [0, 1, 2, 3, 4, 5, 7, 8, 37, 4099]) {
        // A view at an odd byte offset: the word writes must not assume an aligned buffer.
        const buf = Buffer.alloc(length + 1).subarray(1);
        fillVideo(buf, offset);
        for (let i = 0; i < buf.length; i++) expect(buf[i]).toBe(videoByte(offset + i));
      }
    }
  });

  it('is not periodic: a block copied from another offset does not pass the check', () => {
    const at = 1_000_000;
    for (const shift of [1, 4, 16 * 1024, 65536, 1 << 20]) {
      const moved = videoBytes(at + shift, 4096);
      expect(countVideoMismatches(moved, at)).toBeGreaterThan(4096 * 0.9);
    }
  });

  it('finds the first mismatch and counts every differing byte', () => {
    const buf = videoBytes(12345, 10_000);
    expect(firstVideoMismatch(buf, 12345)).toBe(-1);
    expect(countVideoMismatches(buf, 12345)).toBe(0);
    for (const i of [17, 18, 4000, 9999]) buf[i] = buf[i]! ^ 0xff;
    expect(firstVideoMismatch(buf, 12345)).toBe(17);
    expect(countVideoMismatches(buf, 12345)).toBe(4);
  });

  it('SSE data is a pure function of the id', () => {
    expect(sseEventData(7)).toBe(sseEventData(7));
    expect(sseEventData(7)).not.toBe(sseEventData(8));
    expect(sseEventData(42)).toMatch(/^tick 42 [0-9a-f]{8}$/);
  });
});

describe('parseRange', () => {
  const size = 1000;
  it.each([
    ['bytes=0-99', { kind: 'partial', range: { start: 0, end: 99 } }],
    ['bytes=900-', { kind: 'partial', range: { start: 900, end: 999 } }],
    ['bytes=900-5000', { kind: 'partial', range: { start: 900, end: 999 } }],
    ['bytes=-10', { kind: 'partial', range: { start: 990, end: 999 } }],
    ['bytes=-5000', { kind: 'partial', range: { start: 0, end: 999 } }],
    ['bytes=1000-', { kind: 'unsatisfiable' }],
    ['bytes=-0', { kind: 'unsatisfiable' }],
    ['bytes=0-1,5-6', { kind: 'full' }],
    ['items=0-1', { kind: 'full' }],
    ['bytes=9-3', { kind: 'full' }],
  ])('%s', (header, expected) => {
    expect(parseRange(header, size)).toEqual(expected);
  });
});
