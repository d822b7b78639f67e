/**
 * RFC 7541 Appendix C, C.2–C.6 (C.1 is in primitives.test.ts): the decoder reproduces every
 * header list and the dynamic table after every block; the encoder, configured as the examples
 * are, reproduces the bytes of C.2, C.3 and C.4. For C.5/C.6 it legitimately differs (see there).
 */
import { describe, expect, it } from 'vitest';
import { HpackDecoder } from '../../../h2/hpack/decoder.js';
import { HpackEncoder } from '../../../h2/hpack/encoder.js';

const hex = (spaced: string): Buffer => Buffer.from(spaced.replace(/\s+/g, ''), 'hex');
const spacedHex = (buf: Buffer): string => buf.toString('hex').replace(/(.{4})(?=.)/g, '$1 ');

interface Block {
  wire: string;
  headers: string[];
  /** The dynamic table after the block, newest first. */
  table: Array<[string, string]>;
  size: number;
}

function decodesInSequence(blocks: Block[], tableSize = 4096): void {
  const decoder = new HpackDecoder({ maxTableSize: tableSize });
  for (const block of blocks) {
    expect(decoder.decode(hex(block.wire))).toEqual(block.headers);
    expect(decoder.table.entries()).toEqual(block.table);
    expect(decoder.table.size).toBe(block.size);
  }
}

function encodesInSequence(blocks: Block[], huffman: boolean): void {
  const encoder = new HpackEncoder({ huffman });
  for (const block of blocks) {
    expect(spacedHex(encoder.encode(block.headers))).toBe(block.wire);
    expect(encoder.table.entries()).toEqual(block.table);
    expect(encoder.table.size).toBe(block.size);
  }
}

describe('C.2 header field representations', () => {
  it('C.2.1 literal with indexing', () => {
    const block: Block = {
      wire: '400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572',
      headers: ['custom-key', 'custom-header'],
      table: [['custom-key', 'custom-header']],
      size: 55,
    };
    decodesInSequence([block]);
    encodesInSequence([block], false);
  });

  it('C.2.2 literal without indexing', () => {
    const block: Block = { wire: '040c 2f73 616d 706c 652f 7061 7468', headers: [':path', '/sample/path'], table: [], size: 0 };
    decodesInSequence([block]);
    encodesInSequence([block], false);
  });

  it('C.2.3 literal never indexed', () => {
    const decoder = new HpackDecoder();
    expect(decoder.decode(hex('1008 7061 7373 776f 7264 0673 6563 7265 74'))).toEqual(['password', 'secret']);
    expect(decoder.neverIndexed).toEqual([0]);
    expect(decoder.table.length).toBe(0);
    // "password" is no credential the encoder knows: never-indexed only because the caller says so.
    const encoder = new HpackEncoder({ huffman: false });
    expect(spacedHex(encoder.encode(['password', 'secret'], decoder.neverIndexed))).toBe('1008 7061 7373 776f 7264 0673 6563 7265 74');
    expect(encoder.table.length).toBe(0);
  });

  it('C.2.4 indexed field', () => {
    const block: Block = { wire: '82', headers: [':method', 'GET'], table: [], size: 0 };
    decodesInSequence([block]);
    encodesInSequence([block], false);
  });
});

const REQUEST_1 = [':method', 'GET', ':scheme', 'http', ':path', '/', ':authority', 'www.example.com'];
const REQUEST_2 = [...REQUEST_1, 'cache-control', 'no-cache'];
const REQUEST_3 = [':method', 'GET', ':scheme', 'https', ':path', '/index.html', ':authority', 'www.example.com', 'custom-key', 'custom-value'];
const AUTHORITY: [string, string] = [':authority', 'www.example.com'];
const NO_CACHE: [string, string] = ['cache-control', 'no-cache'];
const CUSTOM: [string, string] = ['custom-key', 'custom-value'];

const C3: Block[] = [
  { wire: '8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d', headers: REQUEST_1, table: [AUTHORITY], size: 57 },
  { wire: '8286 84be 5808 6e6f 2d63 6163 6865', headers: REQUEST_2, table: [NO_CACHE, AUTHORITY], size: 110 },
  {
    wire: '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65',
    headers: REQUEST_3,
    table: [CUSTOM, NO_CACHE, AUTHORITY],
    size: 164,
  },
];

const C4: Block[] = [
  { wire: '8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff', headers: REQUEST_1, table: [AUTHORITY], size: 57 },
  { wire: '8286 84be 5886 a8eb 1064 9cbf', headers: REQUEST_2, table: [NO_CACHE, AUTHORITY], size: 110 },
  {
    wire: '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf',
    headers: REQUEST_3,
    table: [CUSTOM, NO_CACHE, AUTHORITY],
    size: 164,
  },
];

describe('C.3 requests without Huffman', () => {
  it('decodes each request and the table after it', () => decodesInSequence(C3));
  it('encodes the same bytes', () => encodesInSequence(C3, false));
});

describe('C.4 requests with Huffman', () => {
  it('decodes each request and the table after it', () => decodesInSequence(C4));
  it('encodes the same bytes', () => encodesInSequence(C4, true));
});

const DATE_21 = 'Mon, 21 Oct 2013 20:13:21 GMT';
const DATE_22 = 'Mon, 21 Oct 2013 20:13:22 GMT';
const LOCATION = 'https://www.example.com';
const COOKIE = 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1';
const RESPONSE_1 = [':status', '302', 'cache-control', 'private', 'date', DATE_21, 'location', LOCATION];
const RESPONSE_2 = [':status', '307', 'cache-control', 'private', 'date', DATE_21, 'location', LOCATION];
const RESPONSE_3 = [
  ':status', '200', 'cache-control', 'private', 'date', DATE_22, 'location', LOCATION,
  'content-encoding', 'gzip', 'set-cookie', COOKIE,
];
const TABLE_1: Array<[string, string]> = [['location', LOCATION], ['date', DATE_21], ['cache-control', 'private'], [':status', '302']];
const TABLE_2: Array<[string, string]> = [[':status', '307'], ['location', LOCATION], ['date', DATE_21], ['cache-control', 'private']];
const TABLE_3: Array<[string, string]> = [['set-cookie', COOKIE], ['content-encoding', 'gzip'], ['date', DATE_22]];

const C5: Block[] = [
  {
    wire:
      '4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a ' +
      '3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
    headers: RESPONSE_1,
    table: TABLE_1,
    size: 222,
  },
  { wire: '4803 3330 37c1 c0bf', headers: RESPONSE_2, table: TABLE_2, size: 222 },
  {
    wire:
      '88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 ' +
      '677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 ' +
      '553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31',
    headers: RESPONSE_3,
    table: TABLE_3,
    size: 215,
  },
];

const C6: Block[] = [
  {
    wire:
      '4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e ' +
      '919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3',
    headers: RESPONSE_1,
    table: TABLE_1,
    size: 222,
  },
  { wire: '4883 640e ffc1 c0bf', headers: RESPONSE_2, table: TABLE_2, size: 222 },
  {
    wire:
      '88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 ' +
      '821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed ' +
      '4ee5 b106 3d50 07',
    headers: RESPONSE_3,
    table: TABLE_3,
    size: 215,
  },
];

/**
 * The RFC's encoder indexes `location` and `set-cookie`; ours, like nghttp2, sends them without
 * indexing (their values rarely repeat, so they would only evict useful entries). Its blocks for
 * the C.5 responses are therefore its own: checked byte for byte here, then decoded back, with
 * both tables equal after every block.
 */
const C5_OURS = [
  // As C.5.1 up to the date; then location as a literal without indexing, name index 46 (0f 1f).
  '4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a ' +
    '3133 3a32 3120 474d 540f 1f17 6874 7470 733a 2f2f 7777 772e 6578 616d 706c 652e 636f 6d',
  // :status 307 indexed into the table (evicting nothing: 3 entries of 159 bytes + 42 fit in 256),
  // cache-control and date from the table (now 64 and 63), location again as a literal.
  '4803 3330 37c0 bf0f 1f17 6874 7470 733a 2f2f 7777 772e 6578 616d 706c 652e 636f 6d',
];

describe('C.5 responses without Huffman, table size 256', () => {
  it('decodes each response and the table after it, with evictions', () => decodesInSequence(C5, 256));

  it('encodes its own blocks (location and set-cookie not indexed) that decode back', () => {
    const encoder = new HpackEncoder({ maxTableSize: 256, huffman: false });
    const decoder = new HpackDecoder({ maxTableSize: 256 });
    [RESPONSE_1, RESPONSE_2, RESPONSE_3].forEach((headers, i) => {
      const block = encoder.encode(headers);
      if (i < C5_OURS.length) expect(spacedHex(block)).toBe(C5_OURS[i]);
      expect(decoder.decode(block)).toEqual(headers);
      expect(decoder.table.entries()).toEqual(encoder.table.entries());
      expect(decoder.table.size).toBe(encoder.table.size);
    });
  });
});

describe('C.6 responses with Huffman, table size 256', () => {
  it('decodes each response and the table after it, with evictions', () => decodesInSequence(C6, 256));

  it('encodes blocks that decode back, both tables equal after each', () => {
    const encoder = new HpackEncoder({ maxTableSize: 256 });
    const decoder = new HpackDecoder({ maxTableSize: 256 });
    for (const headers of [RESPONSE_1, RESPONSE_2, RESPONSE_3]) {
      const block = encoder.encode(headers);
      expect(decoder.decode(block)).toEqual(headers);
      expect(decoder.table.entries()).toEqual(encoder.table.entries());
      expect(decoder.table.size).toBe(encoder.table.size);
    }
  });
});
