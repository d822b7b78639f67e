/**
 * HPACK integers (RFC 7541 §5.1): an N-bit prefix in the first byte, then 7 bits per
 * continuation byte, least significant group first.
 */
import type { BlockReader } from './block-reader.js';
import { HpackError } from './hpack-error.js';

/** The largest integer accepted: indexes, lengths and table sizes all fit in 31 bits. */
export const MAX_HPACK_INTEGER = 0x7fffffff;
/** 2^31 needs five continuation bytes; a sixth can only be padding of an overlong encoding. */
const MAX_CONTINUATION_BYTES = 5;

/**
 * Reads the integer whose prefix occupies the low `prefixBits` bits of buf[pos]. The caller has
 * checked that pos < end (it just read the representation's type bits from that byte).
 */
export function decodeInteger(reader: BlockReader, prefixBits: number): number {
  const { buf, end } = reader;
  let pos = reader.pos;
  const prefixMax = (1 << prefixBits) - 1;
  let value = buf[pos++]! & prefixMax;
  if (value < prefixMax) {
    reader.pos = pos;
    return value;
  }
  let multiplier = 1;
  for (let n = 0; n < MAX_CONTINUATION_BYTES; n++) {
    if (pos >= end) throw new HpackError('truncated integer');
    const byte = buf[pos++]!;
    value += (byte & 0x7f) * multiplier;
    if (value > MAX_HPACK_INTEGER) throw new HpackError('integer exceeds 2^31-1');
    if ((byte & 0x80) === 0) {
      reader.pos = pos;
      return value;
    }
    multiplier *= 128;
  }
  throw new HpackError('integer encoding too long');
}

/** Writes value with a `prefixBits` prefix; `flags` are the representation's bits above the prefix. */
export function encodeInteger(out: Buffer, offset: number, value: number, prefixBits: number, flags: number): number {
  const prefixMax = (1 << prefixBits) - 1;
  if (value < prefixMax) {
    out[offset] = flags | value;
    return offset + 1;
  }
  out[offset++] = flags | prefixMax;
  let rest = value - prefixMax;
  while (rest >= 128) {
    out[offset++] = (rest & 0x7f) | 0x80;
    rest >>>= 7;
  }
  out[offset] = rest;
  return offset + 1;
}


/** Longest encoding of any integer up to MAX_HPACK_INTEGER: the prefix byte and five more. */
export const MAX_INTEGER_LENGTH = 1 + MAX_CONTINUATION_BYTES;
