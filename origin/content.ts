/**
 * The demo origin's content: every body byte is a pure function of its offset, so a client can
 * tell a corrupted byte from a good one without a second copy of the file.
 *
 * The stream is a sequence of 32-bit little-endian words; word k = hash(k). Neighbouring words
 * differ in every byte position with high probability, so bytes shifted from another offset
 * (what a reused buffer sends) do not pass as the expected ones.
 */

/** The demo video's size when the request names none: 64 MiB. */
export const DEFAULT_VIDEO_SIZE = 64 * 1024 * 1024;

const TWO_32 = 0x1_0000_0000;

/** A 32-bit avalanche hash of the word index (split in two halves so offsets may exceed 16 GiB). */
function wordAt(index: number): number {
  return mixWord(index >>> 0, highMix(index));
}

/** The high half's share of a word's hash: the same for 2^32 words in a row. */
function highMix(index: number): number {
  return Math.imul((Math.floor(index / TWO_32) >>> 0) + 0x7f4a7c15, 0xc2b2ae35);
}

function mixWord(lo: number, high: number): number {
  let h = Math.imul(lo ^ 0x9e3779b9, 0x85ebca6b) ^ high;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The byte the demo video holds at `offset`. */
export function videoByte(offset: number): number {
  return (wordAt(Math.floor(offset / 4)) >>> ((offset % 4) * 8)) & 0xff;
}

/**
 * Fills `buf` with the video bytes starting at `offset`: whole words at a time (byte by byte, the
 * origin spent ~9 ms of CPU per MB here and was the bottleneck of every large download).
 */
export function fillVideo(buf: Uint8Array, offset: number): void {
  let index = Math.floor(offset / 4);
  let i = fillFromWord(buf, 0, index, offset % 4);
  if (i > 0) index++;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let high = highMix(index);
  for (const whole = buf.length - 3; i < whole; i += 4) {
    if ((index >>> 0) === 0) high = highMix(index);
    view.setUint32(i, mixWord(index >>> 0, high), true);
    index++;
  }
  fillFromWord(buf, i, index, 0);
}

/** Writes the bytes of word `index` from lane `lane` on into `buf` at `at`; returns where it stopped. */
function fillFromWord(buf: Uint8Array, at: number, index: number, lane: number): number {
  if (lane === 0 && buf.length - at >= 4) return at;
  const word = wordAt(index);
  let i = at;
  for (let l = lane; l < 4 && i < buf.length; l++) buf[i++] = (word >>> (l * 8)) & 0xff;
  return i;
}

/** A fresh buffer holding `length` video bytes from `offset`. */
export function videoBytes(offset: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  fillVideo(buf, offset);
  return buf;
}

/** Index in `buf` of the first byte that differs from the video at `offset`, or -1. */
export function firstVideoMismatch(buf: Uint8Array, offset: number): number {
  let index = Math.floor(offset / 4);
  let lane = offset % 4;
  let word = wordAt(index);
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] !== ((word >>> (lane * 8)) & 0xff)) return i;
    if (++lane === 4) {
      lane = 0;
      word = wordAt(++index);
    }
  }
  return -1;
}

/** How many bytes of `buf` differ from the video at `offset`. */
export function countVideoMismatches(buf: Uint8Array, offset: number): number {
  let index = Math.floor(offset / 4);
  let lane = offset % 4;
  let word = wordAt(index);
  let bad = 0;
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] !== ((word >>> (lane * 8)) & 0xff)) bad++;
    if (++lane === 4) {
      lane = 0;
      word = wordAt(++index);
    }
  }
  return bad;
}

/** The `data:` payload of SSE event `id` (deterministic, so a client can check each event). */
export function sseEventData(id: number): string {
  return `tick ${id} ${wordAt(id + 0x5eed).toString(16).padStart(8, '0')}`;
}

/** The /small body of `size` bytes: the video's first bytes (checkable like the video). */
export function smallBody(size: number): Buffer {
  return videoBytes(0, size);
}
