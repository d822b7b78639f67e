/**
 * The decoder's last literal per static name (literal-cache.ts): a literal without indexing that
 * repeats gives back the very string of its first decoding, and nothing else ever matches — another
 * value of the same length, the same text coded the other way (raw / Huffman), a literal on another
 * name, one too long to keep, or one whose Huffman code is bad (it fails every time).
 */
import { describe, expect, it } from 'vitest';
import { HpackDecoder } from '../../../h2/hpack/decoder.js';
import { HpackError } from '../../../h2/hpack/hpack-error.js';
import { encodeHuffman, huffmanLength } from '../../../h2/hpack/huffman-encode.js';

/** A literal without indexing (§6.2.2) on name index `nameIndex` (< 15: one octet), its value raw or Huffman-coded. */
function literal(nameIndex: number, value: string, huffman: boolean, neverIndexed = false): Buffer {
  const first = (neverIndexed ? 0x10 : 0x00) | nameIndex;
  if (!huffman) return Buffer.concat([Buffer.from([first, value.length]), Buffer.from(value, 'latin1')]);
  const coded = Buffer.alloc(huffmanLength(value));
  encodeHuffman(value, coded, 0);
  return Buffer.concat([Buffer.from([first, 0x80 | coded.length]), coded]);
}

const PATH = 4;
const AUTHORITY = 1;

describe('the decoder reuses the string of a repeated literal', () => {
  it('the same literal gives the same string object, raw or Huffman-coded', () => {
    for (const huffman of [false, true]) {
      const decoder = new HpackDecoder();
      const [, first] = decoder.decode(literal(PATH, '/small?size=1024', huffman));
      const [, again] = decoder.decode(literal(PATH, '/small?size=1024', huffman));
      expect(first).toBe('/small?size=1024');
      expect(again).toBe(first);
    }
  });

  it('another value of the same length, the other coding, another name, never-indexed: each decoded as sent', () => {
    const decoder = new HpackDecoder();
    const blocks: Array<[Buffer, string[]]> = [
      [literal(PATH, '/a/b', true), [':path', '/a/b']],
      [literal(PATH, '/a/c', true), [':path', '/a/c']],
      [literal(PATH, '/a/c', false), [':path', '/a/c']],
      [literal(PATH, '/a/b', false), [':path', '/a/b']],
      [literal(AUTHORITY, '/a/b', false), [':authority', '/a/b']],
      [literal(PATH, '/a/b', false, true), [':path', '/a/b']],
      [Buffer.concat([literal(PATH, '/x', true), literal(PATH, '/y', true)]), [':path', '/x', ':path', '/y']],
      [Buffer.concat([literal(PATH, '/x', true), literal(PATH, '/x', true)]), [':path', '/x', ':path', '/x']],
    ];
    for (const [block, expected] of blocks) expect(decoder.decode(block)).toEqual(expected);
  });

  it('a literal too long to keep decodes right every time', () => {
    const decoder = new HpackDecoder();
    const long = `/${'p'.repeat(100)}`;
    for (let i = 0; i < 3; i++) expect(decoder.decode(literal(PATH, long, false))).toEqual([':path', long]);
    const other = `/${'q'.repeat(100)}`;
    expect(decoder.decode(literal(PATH, other, false))).toEqual([':path', other]);
  });

  it('a bad Huffman literal fails every time, and a good one after it decodes', () => {
    const decoder = new HpackDecoder();
    // 0xff 0xff 0xff 0xff: 30 one-bits are EOS.
    const bad = Buffer.from([PATH, 0x84, 0xff, 0xff, 0xff, 0xff]);
    expect(() => decoder.decode(bad)).toThrow(HpackError);
    expect(() => new HpackDecoder().decode(bad)).toThrow(HpackError);
    expect(() => decoder.decode(bad)).toThrow(HpackError);
    expect(decoder.decode(literal(PATH, '/ok', true))).toEqual([':path', '/ok']);
  });
});
