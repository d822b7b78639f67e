/**
 * Seeded fuzz of the decoder: random bytes and mutated valid blocks. Whatever the input, decode
 * returns a header list or throws HpackError / HeaderListTooLargeError, never another exception
 * (no RangeError from a Buffer read, no TypeError), and it reads nothing outside [start, end):
 * the same bytes inside a larger buffer between garbage give the same outcome.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HpackDecoder } from '../../../h2/hpack/decoder.js';
import { HpackEncoder } from '../../../h2/hpack/encoder.js';
import { HeaderListTooLargeError, HpackError } from '../../../h2/hpack/hpack-error.js';

const LIMITS = { maxStringLength: 100, maxHeaderListSize: 300 };

/** Either the decoded list or the error's class and reason; any other exception fails the test. */
function outcome(decoder: HpackDecoder, buf: Buffer, start: number, end: number): string {
  try {
    const headers = decoder.decode(buf, start, end);
    if (headers.length % 2 !== 0 || headers.some((s) => typeof s !== 'string')) throw new Error('malformed result');
    return JSON.stringify(headers);
  } catch (err) {
    if (err instanceof HpackError) return `HpackError: ${err.reason}`;
    if (err instanceof HeaderListTooLargeError) return `too large: ${err.size}`;
    throw err;
  }
}

/** A decoder with a few dynamic entries, so indexes 62.. resolve; the same state every time. */
function warmDecoder(): HpackDecoder {
  const decoder = new HpackDecoder(LIMITS);
  decoder.decode(new HpackEncoder().encode(['x-one', '1', 'x-two', 'two', 'user-agent', 'fuzz']));
  return decoder;
}

/** Decodes the block alone and embedded between garbage; both outcomes must agree. */
function decodesSafely(block: Buffer, garbage: number): string {
  const alone = outcome(warmDecoder(), Buffer.from(block), 0, block.length);
  const embedded = Buffer.concat([Buffer.alloc(7, garbage), block, Buffer.alloc(7, garbage)]);
  expect(outcome(warmDecoder(), embedded, 7, 7 + block.length)).toBe(alone);
  return alone;
}

const kinds = (outcomes: string[]): Set<string> => new Set(outcomes.map((o) => (o.startsWith('[') ? 'list' : o.replace(/\d+/g, 'N'))));

describe('decoder fuzz (seeded)', () => {
  it('random bytes: a list or an HPACK error, never anything else', () => {
    const seen: string[] = [];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 48 }), fc.integer({ min: 0, max: 255 }), (bytes, garbage) => {
        seen.push(decodesSafely(Buffer.from(bytes), garbage));
      }),
      { seed: 9113, numRuns: 3000 },
    );
    // The fuzz reached deep enough to meet the decoder's main outcomes.
    for (const kind of ['list', 'HpackError: truncated string', 'HpackError: index N beyond the tables', 'HpackError: huffman padding not all ones']) {
      expect(kinds(seen)).toContain(kind);
    }
  });

  const listArb = fc.array(
    fc.tuple(
      fc.constantFrom(':method', ':path', 'x-one', 'cookie', 'content-type', 'x-new'),
      fc.oneof(fc.constantFrom('GET', '/', '1', 'two'), fc.string({ unit: 'binary-ascii', maxLength: 40 })),
    ),
    { minLength: 1, maxLength: 6 },
  );
  const mutationArb = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  );
  type Mutation = typeof mutationArb extends fc.Arbitrary<infer M> ? M : never;

  function mutate(block: Buffer, mutation: Mutation): Buffer {
    const at = block.length === 0 ? 0 : mutation.at % block.length;
    const out = Buffer.from(block);
    switch (mutation.kind) {
      case 'flip':
        if (out.length > 0) out[at] = out[at]! ^ (1 << mutation.bit);
        return out;
      case 'set':
        if (out.length > 0) out[at] = mutation.value;
        return out;
      case 'truncate':
        return out.subarray(0, at);
      case 'insert':
        return Buffer.concat([out.subarray(0, at), Buffer.from([mutation.value]), out.subarray(at)]);
    }
  }

  it('mutated valid blocks: a list or an HPACK error, never anything else', () => {
    const seen: string[] = [];
    fc.assert(
      fc.property(
        listArb,
        fc.boolean(),
        fc.array(mutationArb, { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 0, max: 255 }),
        (fields, huffman, mutations, garbage) => {
          const encoder = new HpackEncoder({ huffman });
          encoder.encode(['x-one', '1', 'x-two', 'two', 'user-agent', 'fuzz']); // the warm decoder's state
          let block = encoder.encode(fields.flat());
          for (const mutation of mutations) block = mutate(block, mutation);
          seen.push(decodesSafely(block, garbage));
        },
      ),
      { seed: 7540, numRuns: 3000 },
    );
    for (const kind of ['list', 'too large: N', 'HpackError: truncated string', 'HpackError: truncated integer', 'HpackError: huffman padding not all ones']) {
      expect(kinds(seen)).toContain(kind);
    }
  });
});
