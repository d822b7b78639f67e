/**
 * The encoder's API and choices: encoding into a caller's buffer at an offset, the size bound,
 * size updates announced at the start of the next block (RFC 7541 §4.2, §6.3), and which
 * representation each kind of field gets (§6.2; nghttp2's policy for credentials and churn).
 */
import { describe, expect, it } from 'vitest';
import { HpackDecoder } from '../../../h2/hpack/decoder.js';
import { HpackEncoder, STATUS_FIELD_ROOM, maxEncodedLength } from '../../../h2/hpack/encoder.js';

const hexOf = (buf: Buffer): string => buf.toString('hex');

describe('encodeInto', () => {
  it('writes at the offset, returns the offset after the block and touches nothing else', () => {
    const out = Buffer.alloc(64, 0xee);
    const end = new HpackEncoder().encodeInto([':method', 'GET', ':path', '/'], out, 9);
    expect(end).toBe(11);
    expect(hexOf(out.subarray(9, 11))).toBe('8284');
    expect(out.subarray(0, 9).every((b) => b === 0xee)).toBe(true);
    expect(out.subarray(11).every((b) => b === 0xee)).toBe(true);
  });

  it('throws RangeError when the buffer may be too small, before changing any state', () => {
    const encoder = new HpackEncoder();
    encoder.setMaxTableSize(1024);
    const headers = ['x-custom', 'value'];
    const needed = maxEncodedLength(headers);
    expect(() => encoder.encodeInto(headers, Buffer.alloc(needed + 3), 4)).toThrow(RangeError);
    expect(encoder.table.length).toBe(0);
    expect(encoder.table.capacity).toBe(4096);
    // The size update is still owed and leads the next block.
    const block = encoder.encode(headers);
    expect(hexOf(block.subarray(0, 3))).toBe('3fe107');
    expect(new HpackDecoder().decode(block)).toEqual(headers);
  });

  it('encodeResponseInto: the bytes and table of encodeInto with :status first, block after block', () => {
    const viaList = new HpackEncoder();
    const direct = new HpackEncoder();
    viaList.setMaxTableSize(256);
    direct.setMaxTableSize(256);
    const heads: Array<[number, string[]]> = [
      [200, ['content-type', 'text/plain', 'content-length', '12']],
      [302, ['location', '/next', 'x-a', 'one']],
      [302, ['x-a', 'one']],
      [404, []],
      [431, ['x-long', 'v'.repeat(300)]],
      [103, ['link', '</a.css>; rel=preload']],
    ];
    for (const [status, fields] of heads) {
      const a = Buffer.alloc(1024);
      const b = Buffer.alloc(1024);
      const aEnd = viaList.encodeInto([':status', String(status), ...fields], a, 3);
      const bEnd = direct.encodeResponseInto(status, fields, b, 3);
      expect(hexOf(b.subarray(0, bEnd))).toBe(hexOf(a.subarray(0, aEnd)));
      expect(direct.table.entries()).toEqual(viaList.table.entries());
    }
  });

  it('encodeResponseInto throws RangeError when the buffer may be too small, before changing any state', () => {
    const encoder = new HpackEncoder();
    const fields = ['x-custom', 'value'];
    expect(() => encoder.encodeResponseInto(200, fields, Buffer.alloc(maxEncodedLength(fields) + STATUS_FIELD_ROOM - 1), 0)).toThrow(RangeError);
    expect(encoder.table.length).toBe(0);
  });

  it('literals without indexing that repeat (copied from the last one) are the octets a fresh encoder writes', () => {
    const encoder = new HpackEncoder();
    const long = `/${'l'.repeat(80)}`;
    const values = ['/a', '/a', '/b', '/a', long, long, '/b', '/b'];
    values.forEach((path, i) => {
      const headers = [':path', path, 'content-length', String(i % 3), 'etag', i % 2 ? '"x"' : '"y"'];
      expect(hexOf(encoder.encode(headers))).toBe(hexOf(new HpackEncoder().encode(headers)));
      expect(new HpackDecoder().decode(encoder.encode(headers))).toEqual(headers);
    });
    expect(encoder.table.length).toBe(0);
    for (const huffman of [false, true]) {
      const raw = new HpackEncoder({ huffman });
      for (const path of ['/same', '/same', '/other']) expect(hexOf(raw.encode([':path', path]))).toBe(hexOf(new HpackEncoder({ huffman }).encode([':path', path])));
    }
  });

  it('a block repeating the last one field by field goes as indexes; evicted entries are sent again, and the peer decodes every block', () => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    encoder.setMaxTableSize(200);
    decoder.setMaxTableSize(200);
    const a = ['x-one', 'a'.repeat(40), 'x-two', 'b'.repeat(40), ':method', 'GET'];
    // a's fields first (they stay the last ones at their positions), then entries that evict them.
    const other = [...a, 'x-three', 'c'.repeat(60), 'x-four', 'd'.repeat(60)];
    const blocks = [a, a, a, other, a, ['x-one', 'a'.repeat(40)], a, other, other, a];
    blocks.forEach((headers, i) => {
      const block = encoder.encode(headers, headers === other && i === 8 ? [4] : undefined);
      expect(decoder.decode(block)).toEqual(headers);
      expect(decoder.table.entries()).toEqual(encoder.table.entries());
      // After its first block, a's fields are in the table (or static): one octet each.
      if (i === 1 || i === 2) expect(block.length).toBe(3);
    });
  });

  it('rejects a list of odd length', () => {
    expect(() => new HpackEncoder().encode(['x-lonely'])).toThrow(TypeError);
  });

  it('maxEncodedLength bounds the worst case: new names, no Huffman gain, long lengths', () => {
    const headers = ['\u00ff'.repeat(200), '\u00fe'.repeat(70_000), 'a', ''];
    const block = new HpackEncoder().encode(headers);
    expect(block.length).toBeLessThanOrEqual(maxEncodedLength(headers));
    expect(new HpackDecoder({ maxStringLength: 1 << 20, maxHeaderListSize: 1 << 20 }).decode(block)).toEqual(headers);
  });
});

describe('size updates', () => {
  it('the peer lowering its table size: one update at the start of the next block, evicting', () => {
    const encoder = new HpackEncoder();
    encoder.encode(['x-a', 'first', 'x-b', 'second']);
    expect(encoder.table.size).toBe(2 * (3 + 5 + 32) + 1);
    encoder.setMaxTableSize(50);
    expect(encoder.table.length).toBe(2); // nothing changes before the block
    const block = encoder.encode([':method', 'GET']);
    expect(hexOf(block)).toBe('3f1382'); // 31 + 19 = 50, then :method GET
    expect(encoder.table.entries()).toEqual([['x-b', 'second']]);
  });

  it('lowered then raised between blocks: the lowest first, then the latest', () => {
    const encoder = new HpackEncoder();
    encoder.setMaxTableSize(0);
    encoder.setMaxTableSize(2048);
    expect(hexOf(encoder.encode([':method', 'GET']))).toBe('203fe10f82'); // 0, then 31 + 2017 = 2048
    expect(encoder.table.capacity).toBe(2048);
    expect(hexOf(encoder.encode([':method', 'GET']))).toBe('82');
  });

  it('a change back to the current capacity announces nothing', () => {
    const encoder = new HpackEncoder();
    encoder.setMaxTableSize(8192); // above the default limit of 4096: capacity stays 4096
    expect(hexOf(encoder.encode([':method', 'GET']))).toBe('82');
  });

  it('tableSizeLimit caps what the encoder uses; a limit below the initial size is announced in the first block', () => {
    const encoder = new HpackEncoder({ tableSizeLimit: 256 });
    expect(hexOf(encoder.encode([':method', 'GET']))).toBe('3fe10182'); // 31 + 225 = 256
    encoder.setMaxTableSize(65536);
    expect(hexOf(encoder.encode([':method', 'GET']))).toBe('82');
    expect(encoder.table.capacity).toBe(256);
  });

  it('a decoder whose limit was lowered accepts what the encoder sends', () => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    for (const size of [1000, 0, 4096, 64, 64, 3000]) {
      encoder.setMaxTableSize(size);
      decoder.setMaxTableSize(size);
      const headers = ['x-size', String(size), 'x-fixed', 'the same every time'];
      expect(decoder.decode(encoder.encode(headers))).toEqual(headers);
      expect(decoder.table.entries()).toEqual(encoder.table.entries());
      expect(decoder.table.capacity).toBe(encoder.table.capacity);
    }
  });
});

describe('representations', () => {
  /** Each field's representation, from the first byte of a one-field block: 1xxxxxxx, 01xxxxxx, 0001xxxx, 0000xxxx. */
  function representations(headers: string[]): string[] {
    const encoder = new HpackEncoder({ huffman: false });
    const kinds: string[] = [];
    for (let i = 0; i < headers.length; i += 2) {
      const first = encoder.encode([headers[i]!, headers[i + 1]!])[0]!;
      kinds.push(first & 0x80 ? 'indexed' : first & 0x40 ? 'incremental' : first & 0x10 ? 'never' : 'without');
    }
    return kinds;
  }

  it('follows the indexing policy', () => {
    const headers = [
      ':method', 'GET', //                                   static exact match
      'authorization', 'Bearer abc', //                      credentials: never indexed
      'proxy-authorization', 'Basic xyz', //                 credentials: never indexed
      'cookie', 'short=1', //                                short cookie: never indexed
      'cookie', 'a-cookie-long-enough-to-index=1', //        long cookie: indexed
      ':path', '/changes/every/time', //                     churn: not indexed
      'content-length', '1234', //                           churn: not indexed
      'x-custom', 'v', //                                    ordinary: indexed
      'x-custom', 'v', //                                    now an exact dynamic match
      'x-huge', 'h'.repeat(3100), //                         over 3/4 of 4096: not indexed
    ];
    expect(representations(headers)).toEqual([
      'indexed', 'never', 'never', 'never', 'incremental', 'without', 'without', 'incremental', 'indexed', 'without',
    ]);
  });

  it('a never-indexed field is sent as a literal even when the table holds it', () => {
    const encoder = new HpackEncoder({ huffman: false });
    encoder.encode(['x-token', 'abc']);
    expect(hexOf(encoder.encode(['x-token', 'abc']))).toBe('be');
    expect(hexOf(encoder.encode(['x-token', 'abc'], [0]))).toBe('1f2f03616263'); // never indexed, name index 62 (15 + 47)
    expect(hexOf(encoder.encode([':method', 'GET'], [0]))).toBe('1203474554'); // not even a static match
  });

  it('prefers a static name to a dynamic one and the newest of duplicate dynamic entries', () => {
    const encoder = new HpackEncoder({ huffman: false });
    const decoder = new HpackDecoder();
    const roundTrip = (headers: string[]): string => {
      const block = encoder.encode(headers);
      expect(decoder.decode(block)).toEqual(headers);
      return hexOf(block);
    };
    roundTrip(['x-dup', 'one', 'x-dup', 'two']); // x-dup: two is 62, x-dup: one is 63
    expect(roundTrip(['x-dup', 'one'])).toBe('bf');
    // :status 307 takes the static name (8) though ":status: 302" is in the dynamic table.
    roundTrip([':status', '302']);
    expect(roundTrip([':status', '307'])).toBe('4803333037');
    // A new x-dup value names the newest x-dup entry, now 64 (x-dup: two) behind :status 307 and 302.
    expect(roundTrip(['x-dup', 'three']).slice(0, 4)).toBe('7f01'); // 63 + 1
  });

  it('Huffman only when strictly shorter', () => {
    // "www.example.com": 12 bytes Huffman-coded, 15 raw.
    expect(hexOf(new HpackEncoder().encode([':authority', 'www.example.com']))).toBe('418cf1e3c2e5f23a6ba0ab90f4ff');
    // Octets with long codes grow under Huffman: the value goes raw while the name is coded.
    expect(hexOf(new HpackEncoder().encode(['x-bin', '\u00ff\u00fe\u00fd']))).toBe('40' + '84f2b466ab' + '03fffefd');
  });
});
