/**
 * The encoder's last literal without indexing per static name, as the octets it wrote: such
 * fields (a request's :path, a response's content-length) repeat their value message after
 * message, often as the very string object a decoder handed on (literal-cache.ts), and a repeat
 * is a copy of those octets instead of a Huffman encoding.
 *
 * Lifecycle: one per encoder (its Huffman choice is fixed); nothing to end.
 */
import { encodeInteger } from './integer.js';
import { STATIC_TABLE_LENGTH } from './static-table.js';
import { encodeString } from './string-literal.js';

/** The longest representation kept, in octets. */
const MAX_ENCODED = 32;

export class EncodedLiterals {
  /** Slot i (a static index) holds its octets at [i * MAX_ENCODED, ...). */
  private readonly octets = Buffer.alloc((STATIC_TABLE_LENGTH + 1) * MAX_ENCODED);
  private readonly lengths = new Int32Array(STATIC_TABLE_LENGTH + 1);
  private readonly values = new Array<string | undefined>(STATIC_TABLE_LENGTH + 1).fill(undefined);

  constructor(private readonly huffman: boolean) {}

  /** Writes the literal without indexing (§6.2.2) of `value` on static name `index` at out[offset]; returns the offset after it. */
  write(index: number, value: string, out: Buffer, offset: number): number {
    const octets = this.octets;
    const from = index * MAX_ENCODED;
    if (this.values[index] === value) {
      const length = this.lengths[index]!;
      for (let i = 0; i < length; i++) out[offset + i] = octets[from + i]!;
      return offset + length;
    }
    const end = encodeString(value, this.huffman, out, encodeInteger(out, offset, index, 4, 0x00));
    const length = end - offset;
    if (length <= MAX_ENCODED) {
      for (let i = 0; i < length; i++) octets[from + i] = out[offset + i]!;
      this.lengths[index] = length;
      this.values[index] = value;
    }
    return end;
  }
}
