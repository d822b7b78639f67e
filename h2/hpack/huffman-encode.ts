/**
 * Huffman encoding (RFC 7541 §5.2). Strings are latin1: each char is one octet (its low byte).
 */
import { HUFFMAN_CODE_LENGTHS, HUFFMAN_CODES } from './huffman-code.js';

const LENGTHS = Uint8Array.from(HUFFMAN_CODE_LENGTHS);

/** Octets the Huffman encoding of s takes, padding included. */
export function huffmanLength(s: string): number {
  let bits = 0;
  for (let i = 0; i < s.length; i++) bits += LENGTHS[s.charCodeAt(i) & 0xff]!;
  return (bits + 7) >>> 3;
}

/** Writes the Huffman encoding of s at offset, padded with ones (a prefix of EOS); returns the offset after it. */
export function encodeHuffman(s: string, out: Buffer, offset: number): number {
  // pending holds the `bits` (< 8) bits not yet written, and nothing above them. Adding at most
  // 24 bits keeps it within 31 bits, so the longer codes (up to 30 bits) go in two pieces.
  let pending = 0;
  let bits = 0;
  for (let i = 0; i < s.length; i++) {
    const symbol = s.charCodeAt(i) & 0xff;
    let code = HUFFMAN_CODES[symbol]!;
    let length = LENGTHS[symbol]!;
    if (length > 24) {
      const highLength = length - 16;
      pending = (pending << highLength) | (code >>> 16);
      bits += highLength;
      while (bits >= 8) {
        bits -= 8;
        out[offset++] = pending >>> bits;
      }
      pending &= (1 << bits) - 1;
      code &= 0xffff;
      length = 16;
    }
    pending = (pending << length) | code;
    bits += length;
    while (bits >= 8) {
      bits -= 8;
      out[offset++] = pending >>> bits;
    }
    pending &= (1 << bits) - 1;
  }
  if (bits > 0) out[offset++] = (pending << (8 - bits)) | (0xff >>> bits);
  return offset;
}
