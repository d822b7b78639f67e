/**
 * HPACK primitives: integers (RFC 7541 §5.1, the vectors of Appendix C.1) and Huffman strings
 * (§5.2, Appendix B), including every limit and malformation the decoder must reject.
 */
import { describe, expect, it } from 'vitest';
import { BlockReader } from '../../../h2/hpack/block-reader.js';
import { HpackError } from '../../../h2/hpack/hpack-error.js';
import { EOS, HUFFMAN_CODE_LENGTHS, HUFFMAN_CODES } from '../../../h2/hpack/huffman-code.js';
import { decodeHuffman } from '../../../h2/hpack/huffman-decode.js';
import { encodeHuffman, huffmanLength } from '../../../h2/hpack/huffman-encode.js';
import { decodeInteger, encodeInteger, MAX_HPACK_INTEGER } from '../../../h2/hpack/integer.js';

function readInteger(hex: string, prefixBits: number): { value: number; consumed: number } {
  const reader = new BlockReader();
  const buf = Buffer.from(hex, 'hex');
  reader.reset(buf, 0, buf.length);
  const value = decodeInteger(reader, prefixBits);
  return { value, consumed: reader.pos };
}

function writeInteger(value: number, prefixBits: number, flags = 0): string {
  const out = Buffer.alloc(8);
  return out.subarray(0, encodeInteger(out, 0, value, prefixBits, flags)).toString('hex');
}

describe('integers (§5.1, Appendix C.1)', () => {
  it('C.1.1: 10 with a 5-bit prefix is one byte', () => {
    expect(writeInteger(10, 5)).toBe('0a');
    expect(readInteger('0a', 5)).toEqual({ value: 10, consumed: 1 });
  });

  it('C.1.2: 1337 with a 5-bit prefix is 1f 9a 0a', () => {
    expect(writeInteger(1337, 5)).toBe('1f9a0a');
    expect(readInteger('1f9a0a', 5)).toEqual({ value: 1337, consumed: 3 });
  });

  it('C.1.3: 42 starting at an octet boundary (8-bit prefix) is one byte', () => {
    expect(writeInteger(42, 8)).toBe('2a');
    expect(readInteger('2a', 8)).toEqual({ value: 42, consumed: 1 });
  });

  it('ignores the representation bits above the prefix and keeps them when writing', () => {
    expect(readInteger('ea', 5)).toEqual({ value: 10, consumed: 1 });
    expect(writeInteger(1337, 5, 0xe0)).toBe('ff9a0a');
  });

  it('round-trips the boundaries of every prefix width up to 2^31-1', () => {
    for (let prefixBits = 1; prefixBits <= 8; prefixBits++) {
      const prefixMax = (1 << prefixBits) - 1;
      for (const value of [0, prefixMax - 1, prefixMax, prefixMax + 1, prefixMax + 127, prefixMax + 128, 2 ** 21, MAX_HPACK_INTEGER]) {
        const hex = writeInteger(value, prefixBits);
        expect(readInteger(hex, prefixBits)).toEqual({ value, consumed: hex.length / 2 });
      }
    }
  });

  it('rejects an integer above 2^31-1', () => {
    // 31 (prefix) + 0x7fffffe1 encoded in five continuation bytes = 2^31 exactly.
    const justOver = writeInteger(MAX_HPACK_INTEGER, 5).slice(0, -2) + '08';
    expect(() => readInteger(justOver, 5)).toThrow(new HpackError('integer exceeds 2^31-1'));
    expect(() => readInteger('1fffffffffff0f', 5)).toThrow(HpackError);
  });

  it('rejects a truncated integer', () => {
    expect(() => readInteger('1f', 5)).toThrow(new HpackError('truncated integer'));
    expect(() => readInteger('1f9a', 5)).toThrow(new HpackError('truncated integer'));
  });

  it('rejects an overlong encoding padded with zero continuation groups', () => {
    expect(() => readInteger('1f808080808000', 5)).toThrow(new HpackError('integer encoding too long'));
  });
});

function huffman(s: string): Buffer {
  const out = Buffer.alloc(huffmanLength(s));
  expect(encodeHuffman(s, out, 0)).toBe(out.length);
  return out;
}

function unhuffman(hex: string, maxLength = 1 << 16): string {
  const buf = Buffer.from(hex, 'hex');
  return decodeHuffman(buf, 0, buf.length, maxLength);
}

/** Packs bit groups, given as [value, bit count], into whole bytes. */
function pack(codes: Array<[number, number]>): Buffer {
  let bits = '';
  for (const [code, length] of codes) bits += code.toString(2).padStart(length, '0');
  if (bits.length % 8 !== 0) throw new Error('pack: give whole bytes');
  const out = Buffer.alloc(bits.length / 8);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(bits.slice(8 * i, 8 * i + 8), 2);
  return out;
}

const ALL_OCTETS = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');

describe('Huffman code (Appendix B)', () => {
  it('derives the codes of Appendix B from the lengths', () => {
    // A sample of rows of Appendix B, across every code length in the table.
    const rows: Array<[number, number, number]> = [
      [0x00, 0x1ff8, 13], [0x01, 0x7fffd8, 23], [0x0a, 0x3ffffffc, 30], [0x20, 0x14, 6],
      [0x30, 0x0, 5], [0x41, 0x21, 6], [0x42, 0x5d, 7], [0x58, 0xfc, 8], [0x21, 0x3f8, 10],
      [0x27, 0x7fa, 11], [0x23, 0xffa, 12], [0x5e, 0x3ffc, 14], [0x3c, 0x7ffc, 15],
      [0x5c, 0x7fff0, 19], [0x80, 0xfffe6, 20], [0x99, 0x1fffdc, 21], [0x81, 0x3fffd2, 22],
      [0x8e, 0xffffeb, 24], [0xc7, 0x1ffffec, 25], [0xff, 0x3ffffee, 26], [0xcb, 0x7ffffde, 27],
      [0x7f, 0xffffffc, 28], [EOS, 0x3fffffff, 30],
    ];
    for (const [symbol, code, length] of rows) {
      expect([symbol, HUFFMAN_CODES[symbol], HUFFMAN_CODE_LENGTHS[symbol]]).toEqual([symbol, code, length]);
    }
  });

  it('encodes and decodes the strings of Appendix C.4', () => {
    expect(huffman('www.example.com').toString('hex')).toBe('f1e3c2e5f23a6ba0ab90f4ff');
    expect(huffman('no-cache').toString('hex')).toBe('a8eb10649cbf');
    expect(huffman('custom-key').toString('hex')).toBe('25a849e95ba97d7f');
    expect(huffman('custom-value').toString('hex')).toBe('25a849e95bb8e8b4bf');
    expect(unhuffman('f1e3c2e5f23a6ba0ab90f4ff')).toBe('www.example.com');
    expect(unhuffman('25a849e95bb8e8b4bf')).toBe('custom-value');
  });

  it('round-trips every octet, alone and all together', () => {
    for (let i = 0; i < 256; i++) {
      const s = String.fromCharCode(i).repeat(3);
      expect(unhuffman(huffman(s).toString('hex'))).toBe(s);
    }
    expect(unhuffman(huffman(ALL_OCTETS).toString('hex'))).toBe(ALL_OCTETS);
    expect(unhuffman('')).toBe('');
  });

  it('rejects EOS inside a string', () => {
    // 'a' (00011), then EOS (30 ones), then 5 bits of padding: 40 bits.
    const withEos = pack([[0x3, 5], [0x3fffffff, 30], [0x1f, 5]]);
    expect(() => decodeHuffman(withEos, 0, withEos.length, 100)).toThrow(new HpackError('huffman string contains EOS'));
  });

  it('rejects padding longer than 7 bits', () => {
    // 'a' (5 bits) then 11 one-bits: a whole byte of padding.
    const longPadding = pack([[0x3, 5], [0x7ff, 11]]);
    expect(() => decodeHuffman(longPadding, 0, longPadding.length, 100)).toThrow(
      new HpackError('huffman padding longer than 7 bits'),
    );
    expect(() => unhuffman('ff')).toThrow(new HpackError('huffman padding longer than 7 bits'));
  });

  it('rejects padding that is not all ones', () => {
    // 'a' (00011) then 110: padding must be 111.
    expect(() => unhuffman('1e')).toThrow(new HpackError('huffman padding not all ones'));
    // '0' (00000) then 000.
    expect(() => unhuffman('00')).toThrow(new HpackError('huffman padding not all ones'));
  });

  it('enforces the length limit on the decoded string', () => {
    const encoded = huffman('abcdef').toString('hex');
    expect(unhuffman(encoded, 6)).toBe('abcdef');
    expect(() => unhuffman(encoded, 5)).toThrow(new HpackError('string longer than the limit'));
  });

  it('encodes chars above 0xff as their low byte, as latin1 does', () => {
    expect(huffman('\u0161')).toEqual(huffman('a'));
  });
});
