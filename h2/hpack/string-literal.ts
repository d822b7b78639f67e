/**
 * HPACK string literals (RFC 7541 §5.2): an H bit and a 7-bit-prefix length, then the octets,
 * raw or Huffman-coded. Strings are latin1: one char per octet.
 */
import type { BlockReader } from './block-reader.js';
import { HpackError } from './hpack-error.js';
import { decodeHuffman } from './huffman-decode.js';
import { encodeHuffman, huffmanLength } from './huffman-encode.js';
import { decodeInteger, encodeInteger } from './integer.js';
import type { LiteralCache } from './literal-cache.js';

const HUFFMAN_FLAG = 0x80;
/**
 * Below this length a JS loop writes a string faster than Buffer's native latin1 write (Node 20:
 * 8 chars 19 vs 51 ns, 16 chars 38 vs 62 ns, 32 chars 71 vs 48 ns).
 */
const NATIVE_WRITE_FROM = 24;

/**
 * Reads a string literal at the reader's position; longer than maxLength octets → HpackError.
 * `cache`: the decoder's last literal for the static name `slot` (one maxLength for all its
 * reads), asked first.
 */
export function decodeString(reader: BlockReader, maxLength: number, cache?: LiteralCache, slot = 0): string {
  if (reader.pos >= reader.end) throw new HpackError('truncated string');
  const huffman = (reader.buf[reader.pos]! & HUFFMAN_FLAG) !== 0;
  const length = decodeInteger(reader, 7);
  const start = reader.pos;
  const end = start + length;
  if (length > reader.end - start) throw new HpackError('truncated string');
  reader.pos = end;
  const cached = slot === 0 ? undefined : cache!.get(slot, reader.buf, start, end, huffman);
  if (cached !== undefined) return cached;
  let value: string;
  if (huffman) {
    value = decodeHuffman(reader.buf, start, end, maxLength);
  } else {
    if (length > maxLength) throw new HpackError('string longer than the limit');
    value = reader.buf.toString('latin1', start, end);
  }
  if (slot !== 0) cache!.set(slot, reader.buf, start, end, huffman, value);
  return value;
}

/** Writes s as a string literal, Huffman-coded if `huffman` and that is strictly shorter. */
export function encodeString(s: string, huffman: boolean, out: Buffer, offset: number): number {
  const length = s.length;
  if (huffman) {
    const codedLength = huffmanLength(s);
    if (codedLength < length) {
      return encodeHuffman(s, out, encodeInteger(out, offset, codedLength, 7, HUFFMAN_FLAG));
    }
  }
  offset = encodeInteger(out, offset, length, 7, 0);
  if (length >= NATIVE_WRITE_FROM) return offset + out.write(s, offset, length, 'latin1');
  for (let i = 0; i < length; i++) out[offset + i] = s.charCodeAt(i);
  return offset + length;
}
