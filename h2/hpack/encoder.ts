/**
 * The HPACK encoder (RFC 7541 §3, §6): one per connection direction. Blocks must be sent in the
 * order they were encoded, since each may change the dynamic table the next one refers to.
 */
import { type HpackTableView } from './dynamic-table.js';
import { EncoderTable } from './encoder-table.js';
import { EncodedLiterals } from './encoded-literals.js';
import { Indexing, alwaysWithoutIndexing, indexingFor } from './indexing-policy.js';
import { encodeInteger, MAX_INTEGER_LENGTH } from './integer.js';
import { RecentFields, sentAsDynamic, type SentAs } from './recent-fields.js';
import { STATIC_LOOKUP, STATIC_TABLE_LENGTH, staticFieldIndex } from './static-table.js';
import { encodeString } from './string-literal.js';

export interface HpackEncoderOptions {
  /** The peer's SETTINGS_HEADER_TABLE_SIZE in force at the start (default 4096, HTTP/2's initial value). */
  maxTableSize?: number;
  /** The most of the peer's allowance this encoder uses (default 4096). */
  tableSizeLimit?: number;
  /** Huffman-code a string when that is strictly shorter (default true). */
  huffman?: boolean;
}

/** The representation's flag bits and integer prefix width, by Indexing. */
const LITERAL_FLAGS = [0x40, 0x00, 0x10];
const LITERAL_PREFIX_BITS = [6, 4, 4];

/** Most bytes a `:status` field of three digits adds to a block (maxEncodedLength's count for it). */
export const STATUS_FIELD_ROOM = ':status'.length + 3 + 2 * MAX_INTEGER_LENGTH + 1;

/**
 * Upper bound of the bytes encodeInto writes for these headers, whatever the table state: two
 * size updates, and per field a literal with a new name (one byte, two lengths, the raw octets).
 */
export function maxEncodedLength(headers: readonly string[]): number {
  if (headers.length % 2 !== 0) throw new TypeError('HPACK: a header list is [name, value, ...]: odd length');
  let length = 2 * MAX_INTEGER_LENGTH;
  for (let i = 0; i < headers.length; i++) length += headers[i]!.length + MAX_INTEGER_LENGTH;
  return length + headers.length / 2;
}

export class HpackEncoder {
  private readonly dynamic: EncoderTable;
  private readonly huffman: boolean;
  private readonly literals: EncodedLiterals;
  private readonly recent = new RecentFields();
  /** How writeField's last field went (recent-fields.ts). */
  private sentAs: SentAs = 0;
  private readonly tableSizeLimit: number;
  /** The capacities to announce at the start of the next block (§4.2): the lowest since the last block, then the latest. */
  private lowestCapacity: number;
  private latestCapacity: number;

  constructor(options: HpackEncoderOptions = {}) {
    const maxTableSize = options.maxTableSize ?? 4096;
    this.tableSizeLimit = options.tableSizeLimit ?? 4096;
    this.huffman = options.huffman ?? true;
    this.literals = new EncodedLiterals(this.huffman);
    // The peer's decoder starts at its SETTINGS value; using less is announced in the first block.
    this.dynamic = new EncoderTable(maxTableSize);
    this.latestCapacity = Math.min(maxTableSize, this.tableSizeLimit);
    this.lowestCapacity = this.latestCapacity;
  }

  get table(): HpackTableView {
    return this.dynamic;
  }

  /** The peer's SETTINGS_HEADER_TABLE_SIZE arrived: the next block announces the new capacity. */
  setMaxTableSize(size: number): void {
    this.latestCapacity = Math.min(size, this.tableSizeLimit);
    this.lowestCapacity = Math.min(this.lowestCapacity, this.latestCapacity);
  }

  /**
   * Encodes one header block at out[offset]; returns the offset after it. `neverIndexed` lists, in
   * ascending order, the pair indices to send as never-indexed literals. Throws RangeError, before
   * changing any state, when out has less than maxEncodedLength(headers) bytes from offset.
   */
  encodeInto(headers: readonly string[], out: Buffer, offset: number, neverIndexed?: readonly number[]): number {
    const needed = maxEncodedLength(headers);
    if (out.length - offset < needed) {
      throw new RangeError(`HPACK: ${out.length - offset} bytes free at offset ${offset}, a block may need ${needed}`);
    }
    offset = this.writeSizeUpdates(out, offset);
    return this.writeFields(headers, out, offset, neverIndexed);
  }

  /**
   * A response head's block: `:status` then `fields`, as encodeInto([':status', String(status),
   * ...fields]) would encode it, without that list made. `out` must have
   * maxEncodedLength(fields) + STATUS_FIELD_ROOM bytes from offset (RangeError otherwise).
   */
  encodeResponseInto(status: number, fields: readonly string[], out: Buffer, offset: number): number {
    const needed = maxEncodedLength(fields) + STATUS_FIELD_ROOM;
    if (out.length - offset < needed) {
      throw new RangeError(`HPACK: ${out.length - offset} bytes free at offset ${offset}, a response block may need ${needed}`);
    }
    offset = this.writeSizeUpdates(out, offset);
    offset = this.writeField(':status', String(status), false, out, offset);
    return this.writeFields(fields, out, offset, undefined);
  }

  private writeFields(headers: readonly string[], out: Buffer, offset: number, neverIndexed: readonly number[] | undefined): number {
    let sensitive = 0;
    const recent = this.recent;
    for (let i = 0; i < headers.length; i += 2) {
      const pair = i >>> 1;
      const name = headers[i]!;
      const value = headers[i + 1]!;
      const forceNever = neverIndexed !== undefined && neverIndexed[sensitive] === pair;
      if (forceNever) {
        sensitive++;
        offset = this.writeField(name, value, true, out, offset);
        continue;
      }
      const index = recent.indexFor(pair, name, value, this.dynamic);
      if (index !== 0) {
        offset = encodeInteger(out, offset, index, 7, 0x80);
        continue;
      }
      offset = this.writeField(name, value, false, out, offset);
      recent.remember(pair, name, value, this.sentAs);
    }
    return offset;
  }

  /** encodeInto a new Buffer of the block's exact length. */
  encode(headers: readonly string[], neverIndexed?: readonly number[]): Buffer {
    const scratch = Buffer.allocUnsafe(maxEncodedLength(headers));
    return Buffer.from(scratch.subarray(0, this.encodeInto(headers, scratch, 0, neverIndexed)));
  }

  private writeSizeUpdates(out: Buffer, offset: number): number {
    const table = this.dynamic;
    if (this.lowestCapacity < table.capacity) {
      table.setCapacity(this.lowestCapacity);
      offset = encodeInteger(out, offset, this.lowestCapacity, 5, 0x20);
    }
    if (this.latestCapacity !== table.capacity) {
      table.setCapacity(this.latestCapacity);
      offset = encodeInteger(out, offset, this.latestCapacity, 5, 0x20);
    }
    this.lowestCapacity = this.latestCapacity;
    return offset;
  }

  /** Writes one field; `sentAs` tells how it went. */
  private writeField(name: string, value: string, forceNever: boolean, out: Buffer, offset: number): number {
    const table = this.dynamic;
    this.sentAs = 0;
    const staticName = STATIC_LOOKUP.get(name);
    const indexing = forceNever ? Indexing.Never : indexingFor(staticName, name, value, table.capacity);
    if (indexing !== Indexing.Never && staticName !== undefined) {
      const index = staticFieldIndex(staticName, value);
      if (index !== 0) {
        this.sentAs = index;
        return encodeInteger(out, offset, index, 7, 0x80);
      }
      // No dynamic entry can hold the field: the literal it always is, repeats copied.
      if (indexing === Indexing.Without && alwaysWithoutIndexing(staticName)) return this.literals.write(staticName.index, value, out, offset);
    }
    const dynamicName = table.lookupName(name);
    if (indexing !== Indexing.Never && dynamicName !== undefined) {
      const seq = dynamicName.values.get(value);
      if (seq !== undefined) {
        this.sentAs = sentAsDynamic(seq);
        return encodeInteger(out, offset, STATIC_TABLE_LENGTH + 1 + table.positionOf(seq), 7, 0x80);
      }
    }
    const nameIndex =
      staticName !== undefined
        ? staticName.index
        : dynamicName !== undefined
          ? STATIC_TABLE_LENGTH + 1 + table.positionOf(dynamicName.newestSeq)
          : 0;
    offset = encodeInteger(out, offset, nameIndex, LITERAL_PREFIX_BITS[indexing]!, LITERAL_FLAGS[indexing]!);
    if (nameIndex === 0) offset = encodeString(name, this.huffman, out, offset);
    offset = encodeString(value, this.huffman, out, offset);
    if (indexing === Indexing.Incremental) {
      const before = table.insertCount;
      table.add(name, value);
      // Added (it fits the table): the next same field goes as this entry.
      if (table.insertCount !== before) this.sentAs = sentAsDynamic(before);
    }
    return offset;
  }
}
