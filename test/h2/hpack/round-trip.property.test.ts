/**
 * Seeded property: for any sequence of header lists (names from the static table and random,
 * values of random octets 0–255 and repeats) and table size changes between blocks, our decoder
 * gives back exactly what our encoder was given, and both dynamic tables are equal after every
 * block. Fields the caller marks never-indexed come out marked, and no block exceeds the bound.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { HpackDecoder } from '../../../h2/hpack/decoder.js';
import { HpackEncoder, maxEncodedLength } from '../../../h2/hpack/encoder.js';

/**
 * endOnFailure: shrinking sequences of kilobyte-long values takes minutes; the fixed seed
 * replays a failure, and the error names the first difference.
 */
const RUNS = { seed: 7541, numRuns: 200, endOnFailure: true };

const ALL_OCTETS = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');
const octets = (bytes: number[]): string => String.fromCharCode(...bytes);

const nameArb = fc.oneof(
  fc.constantFrom(':method', ':path', ':status', 'cookie', 'authorization', 'set-cookie', 'content-type', 'accept-encoding', 'user-agent'),
  fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 24 }).map(octets),
);
const valueArb = fc.oneof(
  fc.constantFrom('', 'GET', '/', '200', 'gzip, deflate', 'same', ALL_OCTETS),
  fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 64 }).map(octets),
  fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 200, maxLength: 1500 }).map(octets),
);
const markArb = fc.integer({ min: 0, max: 9 }).map((n) => n === 0);
/**
 * [name, value, whether the caller marks it never-indexed (one field in ten)]. Fields from small
 * pools repeat, so exact and name-only matches meet entries that were evicted, re-added, duplicated.
 */
const fieldArb = fc.oneof(
  fc.tuple(fc.constantFrom('x-a', 'x-b', ':status', 'cookie'), fc.constantFrom('1', '2', 'a-value-of-some-length-to-fill'), markArb),
  fc.tuple(nameArb, valueArb, markArb),
);

type Step = { kind: 'block'; fields: Array<[string, string, boolean]> } | { kind: 'sizes'; sizes: number[] };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.array(fieldArb, { maxLength: 12 }).map((fields) => ({ kind: 'block' as const, fields })) },
  {
    weight: 1,
    // One or more SETTINGS_HEADER_TABLE_SIZE values acknowledged between two blocks.
    arbitrary: fc
      .array(fc.oneof(fc.constantFrom(0, 32, 64, 256, 4096), fc.integer({ min: 0, max: 70_000 })), { minLength: 1, maxLength: 3 })
      .map((sizes) => ({ kind: 'sizes' as const, sizes })),
  },
);

const configArb = fc.record({
  huffman: fc.boolean(),
  tableSizeLimit: fc.constantFrom(0, 256, 4096, 65536),
});

/** Throws, naming the first difference; cheap where expect's diffs of long octet strings are not (shrinking calls it often). */
function same(what: string, got: unknown, want: unknown): void {
  const a = JSON.stringify(got);
  const b = JSON.stringify(want);
  if (a !== b) throw new Error(`${what}: got ${a.slice(0, 200)}, want ${b.slice(0, 200)}`);
}

describe('HPACK round trip (seeded)', () => {
  it('decode(encode(list)) is the list, and the tables agree after every block', () => {
    fc.assert(
      fc.property(configArb, fc.array(stepArb, { minLength: 1, maxLength: 25 }), (config, steps) => {
        const encoder = new HpackEncoder(config);
        const decoder = new HpackDecoder({ maxHeaderListSize: 1 << 24 });
        for (const step of steps) {
          if (step.kind === 'sizes') {
            for (const size of step.sizes) {
              encoder.setMaxTableSize(size);
              decoder.setMaxTableSize(size);
            }
            continue;
          }
          const headers = step.fields.flatMap(([name, value]) => [name, value]);
          const marked = step.fields.flatMap(([, , never], pair) => (never ? [pair] : []));
          const out = Buffer.alloc(maxEncodedLength(headers) + 16);
          const end = encoder.encodeInto(headers, out, 16, marked);
          same('header list', decoder.decode(out, 16, end), headers);
          same('never-indexed', marked.filter((pair) => !decoder.neverIndexed.includes(pair)), []);
          same('tables', decoder.table.entries(), encoder.table.entries());
          same('table sizes', [decoder.table.size, decoder.table.capacity], [encoder.table.size, encoder.table.capacity]);
          if (encoder.table.size > encoder.table.capacity) throw new Error('table over its capacity');
        }
      }),
      RUNS,
    );
  });
});
