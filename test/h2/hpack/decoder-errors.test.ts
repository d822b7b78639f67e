/**
 * Every way a header block can be malformed is an HpackError naming what is wrong; an oversized
 * header list is a HeaderListTooLargeError instead, raised only after the whole block was decoded
 * so the dynamic table stays in sync. Also the rules for dynamic table size updates (RFC 7541
 * §4.2, §6.3; RFC 9113 §4.3.1).
 */
import { describe, expect, it } from 'vitest';
import { HpackDecoder } from '../../../h2/hpack/decoder.js';
import { HeaderListTooLargeError, HpackError } from '../../../h2/hpack/hpack-error.js';

const hex = (spaced: string): Buffer => Buffer.from(spaced.replace(/\s+/g, ''), 'hex');

function decodeError(block: string, decoder = new HpackDecoder()): unknown {
  try {
    decoder.decode(hex(block));
  } catch (err) {
    return err;
  }
  throw new Error(`block ${block} decoded without error`);
}

/** A size update (001xxxxx, 5-bit prefix) to `size`, as hex. */
function sizeUpdate(size: number): string {
  if (size < 31) return (0x20 | size).toString(16).padStart(2, '0');
  const bytes = [0x3f];
  let rest = size - 31;
  while (rest >= 128) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return Buffer.from(bytes).toString('hex');
}

describe('malformed blocks are HpackErrors', () => {
  it.each([
    ['index 0', '80', 'index 0'],
    ['an index past the static table with an empty dynamic table', 'be', 'index 62 beyond the tables'],
    ['a literal whose name index is past the tables', '7f 20 01 61', 'index 95 beyond the tables'],
    ['a truncated index', 'ff', 'truncated integer'],
    ['a truncated index continuation', 'ff 80', 'truncated integer'],
    ['an index above 2^31-1', 'ff ff ff ff ff 0f', 'integer exceeds 2^31-1'],
    ['a literal with no name string', '40', 'truncated string'],
    ['a literal with no value string', '41', 'truncated string'],
    ['a name shorter than its length', '40 0a 6375', 'truncated string'],
    ['a value shorter than its length', '41 05 61', 'truncated string'],
    ['a string length above 2^31-1', '41 7f ff ff ff ff 0f', 'integer exceeds 2^31-1'],
    ['a Huffman value with EOS', '41 85 1f ff ff ff ff', 'huffman string contains EOS'],
    ['a Huffman value padded with zeros', '41 81 00', 'huffman padding not all ones'],
    ['a Huffman value padded with a whole byte', '41 82 1f ff', 'huffman padding longer than 7 bits'],
    ['a size update after a field', '82 20', 'size update after a header field'],
    ['a size update above SETTINGS_HEADER_TABLE_SIZE', sizeUpdate(4097), 'size update to 4097 above the maximum 4096'],
  ])('%s', (_what, block, reason) => {
    const err = decodeError(block);
    expect(err).toBeInstanceOf(HpackError);
    expect((err as HpackError).reason).toBe(reason);
  });

  it('an index one past a non-empty dynamic table', () => {
    const decoder = new HpackDecoder();
    decoder.decode(hex('40 01 61 01 62')); // a: b, now index 62
    expect(decoder.decode(hex('be'))).toEqual(['a', 'b']);
    expect((decodeError('bf', decoder) as HpackError).reason).toBe('index 63 beyond the tables');
  });

  it('a name or value longer than maxStringLength, raw or Huffman', () => {
    const decoder = () => new HpackDecoder({ maxStringLength: 3 });
    expect(decoder().decode(hex('40 03 616263 03 646566'))).toEqual(['abc', 'def']);
    expect((decodeError('40 04 61626364 01 61', decoder()) as HpackError).reason).toBe('string longer than the limit');
    expect((decodeError('41 04 61626364', decoder()) as HpackError).reason).toBe('string longer than the limit');
    // "abcd" Huffman-coded: 22 bits of codes, then 2 bits of padding.
    expect(new HpackDecoder().decode(hex('41 83 1c6493'))).toEqual([':authority', 'abcd']);
    expect((decodeError('41 83 1c6493', decoder()) as HpackError).reason).toBe('string longer than the limit');
  });
});

describe('dynamic table size updates', () => {
  it('accepts updates up to the maximum at the start of a block, several in a row', () => {
    const decoder = new HpackDecoder();
    expect(decoder.decode(hex(sizeUpdate(0) + sizeUpdate(4096) + '82'))).toEqual([':method', 'GET']);
    expect(decoder.table.capacity).toBe(4096);
  });

  it('an update evicts entries that no longer fit', () => {
    const decoder = new HpackDecoder();
    decoder.decode(hex('40 01 61 01 62  40 01 63 01 64')); // two entries of 34 bytes
    expect(decoder.table.size).toBe(68);
    decoder.decode(hex(sizeUpdate(40)));
    expect(decoder.table.entries()).toEqual([['c', 'd']]);
    expect(decoder.table.size).toBe(34);
  });

  it('after our limit was lowered, the next block must open with an update no larger', () => {
    const decoder = new HpackDecoder();
    decoder.decode(hex('40 01 61 01 62'));
    decoder.setMaxTableSize(100);
    expect((decodeError('82', decoder) as HpackError).reason).toBe('missing size update after a lower SETTINGS_HEADER_TABLE_SIZE');

    const again = new HpackDecoder();
    again.setMaxTableSize(100);
    expect((decodeError(sizeUpdate(101), again) as HpackError).reason).toBe('size update to 101 above the maximum 100');

    const compliant = new HpackDecoder();
    compliant.setMaxTableSize(100);
    expect(compliant.decode(hex(sizeUpdate(100) + '82'))).toEqual([':method', 'GET']);
    // Satisfied once: the following block needs none.
    expect(compliant.decode(hex('82'))).toEqual([':method', 'GET']);
  });

  it('an empty block after a lowered limit still owes the update', () => {
    const decoder = new HpackDecoder();
    decoder.setMaxTableSize(0);
    expect((decodeError('', decoder) as HpackError).reason).toBe('missing size update after a lower SETTINGS_HEADER_TABLE_SIZE');
  });

  it('lowered then raised before the next block: the first update must reach the lowest (§4.2)', () => {
    const lowFirst = new HpackDecoder();
    lowFirst.setMaxTableSize(100);
    lowFirst.setMaxTableSize(8192);
    expect(lowFirst.decode(hex(sizeUpdate(100) + sizeUpdate(8192) + '82'))).toEqual([':method', 'GET']);
    expect(lowFirst.table.capacity).toBe(8192);

    const skipped = new HpackDecoder();
    skipped.setMaxTableSize(100);
    skipped.setMaxTableSize(8192);
    expect((decodeError(sizeUpdate(8192), skipped) as HpackError).reason).toBe('size update to 8192 above the maximum 100');
  });

  it('a raised limit needs no update, and allows updates up to it', () => {
    const decoder = new HpackDecoder();
    decoder.setMaxTableSize(65536);
    expect(decoder.decode(hex('82'))).toEqual([':method', 'GET']);
    expect(decoder.table.capacity).toBe(4096);
    decoder.decode(hex(sizeUpdate(65536)));
    expect(decoder.table.capacity).toBe(65536);
  });
});

describe('header list size (RFC 9113 §6.5.2)', () => {
  it('counts name + value + 32 per field and accepts a list exactly at the limit', () => {
    // :method GET (7 + 3 + 32 = 42) and :path / (5 + 1 + 32 = 38).
    const decoder = new HpackDecoder({ maxHeaderListSize: 80 });
    expect(decoder.decode(hex('82 84'))).toEqual([':method', 'GET', ':path', '/']);
  });

  it('reports a larger list after decoding the whole block, with the table kept in sync', () => {
    const decoder = new HpackDecoder({ maxHeaderListSize: 80 });
    // :method GET, :path /, then x: y with incremental indexing (1 + 1 + 32 = 34): 114 in all.
    const err = decodeError('82 84 40 01 78 01 79', decoder);
    expect(err).toBeInstanceOf(HeaderListTooLargeError);
    expect(err).not.toBeInstanceOf(HpackError);
    expect(err).toMatchObject({ size: 114, limit: 80 });
    // The entry added after the limit was passed is in the table, and the next block can use it.
    expect(decoder.table.entries()).toEqual([['x', 'y']]);
    expect(decoder.decode(hex('be'))).toEqual(['x', 'y']);
  });

  it('a malformed block is a compression error even when it is also too large', () => {
    const decoder = new HpackDecoder({ maxHeaderListSize: 40 });
    expect(decodeError('82 84 80', decoder)).toBeInstanceOf(HpackError);
  });

  it('the limit can be changed between blocks', () => {
    const decoder = new HpackDecoder({ maxHeaderListSize: 41 });
    expect(decodeError('82', decoder)).toBeInstanceOf(HeaderListTooLargeError);
    decoder.maxHeaderListSize = 42;
    expect(decoder.decode(hex('82'))).toEqual([':method', 'GET']);
  });
});

describe('never-indexed fields', () => {
  it('are reported by pair index, for the last block only', () => {
    const decoder = new HpackDecoder();
    // :method GET, then authorization (static name 23) never indexed, then x: y without indexing.
    expect(decoder.decode(hex('82 1f 08 01 73 00 01 78 01 79'))).toEqual([':method', 'GET', 'authorization', 's', 'x', 'y']);
    expect(decoder.neverIndexed).toEqual([1]);
    expect(decoder.table.length).toBe(0);
    decoder.decode(hex('82'));
    expect(decoder.neverIndexed).toEqual([]);
  });
});

describe('decode range', () => {
  it('decodes block[start, end) of a larger buffer', () => {
    const frame = hex('ffff 82 84 ffff');
    expect(new HpackDecoder().decode(frame, 2, 4)).toEqual([':method', 'GET', ':path', '/']);
  });

  it('a range outside the buffer is a RangeError (a caller bug, not peer input)', () => {
    expect(() => new HpackDecoder().decode(hex('82'), 0, 2)).toThrow(RangeError);
    expect(() => new HpackDecoder().decode(hex('82'), 1, 0)).toThrow(RangeError);
  });
});
