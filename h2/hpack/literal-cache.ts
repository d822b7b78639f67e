/**
 * The last value a decoder read as a literal without indexing (§6.2.2, §6.2.3) for each name of
 * the static table, by its coded octets: a peer sends such a literal again and again with the
 * same value (a request's :path, a response's content-length — nghttp2 never indexes them), and a
 * match gives back the string made the first time: no Huffman decoding, no new string, and the
 * same string object each time, whose hash V8 has already computed for the Map lookups
 * downstream (the encoder's tables, a proxy's header handling).
 *
 * One slot per static name: a match is one comparison of the octets, no hashing. Only literals
 * that decoded without error are stored: a bad one throws every time.
 *
 * Lifecycle: one per decoder; nothing to end.
 */
import { STATIC_TABLE_LENGTH } from './static-table.js';

/** The longest coded literal kept, in octets. */
const MAX_CODED = 32;

export class LiteralCache {
  /** Slot i's coded octets at [i * MAX_CODED, ...); slot 0 (no static name) stays empty. */
  private readonly coded = Buffer.alloc((STATIC_TABLE_LENGTH + 1) * MAX_CODED);
  /** Each slot's key: coded length * 2 + the Huffman bit; -1 when empty. */
  private readonly keys = new Int32Array(STATIC_TABLE_LENGTH + 1).fill(-1);
  private readonly strings = new Array<string>(STATIC_TABLE_LENGTH + 1).fill('');

  /**
   * The string last stored for static name `slot` if it was coded as buf[start, end)
   * (`huffman`: Huffman-coded), or undefined. Slot 0 (a name not from the static table) has none.
   */
  get(slot: number, buf: Buffer, start: number, end: number, huffman: boolean): string | undefined {
    const length = end - start;
    if (this.keys[slot] !== length * 2 + (huffman ? 1 : 0)) return undefined;
    const coded = this.coded;
    for (let i = start, at = slot * MAX_CODED; i < end; i++, at++) if (coded[at] !== buf[i]) return undefined;
    return this.strings[slot];
  }

  /** Keeps `value`, decoded from buf[start, end), as static name `slot`'s last literal. */
  set(slot: number, buf: Buffer, start: number, end: number, huffman: boolean, value: string): void {
    if (slot === 0 || slot > STATIC_TABLE_LENGTH || end - start > MAX_CODED) return;
    const coded = this.coded;
    for (let i = start, at = slot * MAX_CODED; i < end; i++, at++) coded[at] = buf[i]!;
    this.keys[slot] = (end - start) * 2 + (huffman ? 1 : 0);
    this.strings[slot] = value;
  }
}
