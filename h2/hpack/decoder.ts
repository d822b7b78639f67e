/**
 * The HPACK decoder (RFC 7541 §3, §6): one per connection direction, fed complete header blocks
 * in the order they arrived, since each block may change the dynamic table the next one refers to.
 */
import { BlockReader } from './block-reader.js';
import { DynamicTable, ENTRY_OVERHEAD, type HpackTableView } from './dynamic-table.js';
import { HeaderListTooLargeError, HpackError } from './hpack-error.js';
import { decodeInteger } from './integer.js';
import { STATIC_NAMES, STATIC_TABLE_LENGTH, STATIC_VALUES } from './static-table.js';
import { LiteralCache } from './literal-cache.js';
import { decodeString } from './string-literal.js';

export interface HpackDecoderOptions {
  /** Our SETTINGS_HEADER_TABLE_SIZE in force at the start (default 4096, HTTP/2's initial value). */
  maxTableSize?: number;
  /** Our SETTINGS_MAX_HEADER_LIST_SIZE (default 65536). */
  maxHeaderListSize?: number;
  /** Longest name or value accepted, after Huffman decoding (default 65536); longer → HpackError. */
  maxStringLength?: number;
}

/** Whether the next block must open with a dynamic table size update (§4.2). */
const enum SizeUpdate {
  Optional,
  /** Our limit fell below the table's capacity: the peer must shrink the table first. */
  Required,
}

export class HpackDecoder {
  maxHeaderListSize: number;
  /** Pair indices of the last block's never-indexed fields (§6.2.3), to re-encode them the same way. */
  readonly neverIndexed: number[] = [];
  private readonly dynamic: DynamicTable;
  private readonly maxStringLength: number;
  private readonly reader = new BlockReader();
  private readonly literals = new LiteralCache();
  /** Our SETTINGS_HEADER_TABLE_SIZE: no size update may exceed it. */
  private maxTableSize: number;
  /** The lowest limit set since the last block: a required update must go at most this low (§4.2). */
  private lowestMaxTableSize: number;
  private sizeUpdate = SizeUpdate.Optional;

  constructor(options: HpackDecoderOptions = {}) {
    this.maxTableSize = options.maxTableSize ?? 4096;
    this.lowestMaxTableSize = this.maxTableSize;
    this.maxHeaderListSize = options.maxHeaderListSize ?? 65536;
    this.maxStringLength = options.maxStringLength ?? 65536;
    this.dynamic = new DynamicTable(this.maxTableSize);
  }

  get table(): HpackTableView {
    return this.dynamic;
  }

  /** Our new SETTINGS_HEADER_TABLE_SIZE was acknowledged by the peer. */
  setMaxTableSize(size: number): void {
    this.maxTableSize = size;
    this.lowestMaxTableSize = Math.min(this.lowestMaxTableSize, size);
    if (this.dynamic.capacity > this.lowestMaxTableSize) this.sizeUpdate = SizeUpdate.Required;
  }

  /**
   * Decodes the header block in block[start, end) into [name, value, ...]. Throws HpackError for
   * malformed input, and HeaderListTooLargeError — after decoding the whole block, so the table
   * stays in sync — when the list exceeds maxHeaderListSize. A range outside the buffer is the
   * caller's bug: RangeError.
   */
  decode(block: Buffer, start = 0, end = block.length): string[] {
    if (start < 0 || start > end || end > block.length) {
      throw new RangeError(`HPACK: block range [${start}, ${end}) outside a buffer of ${block.length} bytes`);
    }
    const reader = this.reader;
    reader.reset(block, start, end);
    if (this.neverIndexed.length !== 0) this.neverIndexed.length = 0; // setting length costs even when 0
    this.readSizeUpdates();
    const headers: string[] = [];
    const limit = this.maxHeaderListSize;
    let listSize = 0;
    while (reader.pos < end) {
      const first = block[reader.pos]!;
      let name: string;
      let value: string;
      let neverIndexed = false;
      if (first & 0x80) {
        // Indexed field (§6.1).
        const index = decodeInteger(reader, 7);
        if (index === 0) throw new HpackError('index 0');
        name = this.nameAt(index);
        value = this.valueAt(index);
      } else if (first & 0x40) {
        // Literal with incremental indexing (§6.2.1).
        name = this.literalName(decodeInteger(reader, 6));
        value = decodeString(reader, this.maxStringLength);
        this.dynamic.add(name, value);
      } else if (first & 0x20) {
        throw new HpackError('size update after a header field');
      } else {
        // Literal without indexing (§6.2.2) or never indexed (§6.2.3).
        neverIndexed = (first & 0x10) !== 0;
        const nameIndex = decodeInteger(reader, 4);
        name = this.literalName(nameIndex);
        // The same value comes again and again this way (literal-cache.ts): asked by static name.
        value = decodeString(reader, this.maxStringLength, this.literals, nameIndex <= STATIC_TABLE_LENGTH ? nameIndex : 0);
      }
      listSize += name.length + value.length + ENTRY_OVERHEAD;
      if (listSize > limit) continue;
      if (neverIndexed) this.neverIndexed.push(headers.length >>> 1);
      headers.push(name, value);
    }
    if (listSize > limit) throw new HeaderListTooLargeError(listSize, limit);
    return headers;
  }

  /** Size updates may only open a block (§4.2, RFC 9113 §4.3.1); a required one must be there. */
  private readSizeUpdates(): void {
    const reader = this.reader;
    while (reader.pos < reader.end && (reader.buf[reader.pos]! & 0xe0) === 0x20) {
      const size = decodeInteger(reader, 5);
      const ceiling = this.sizeUpdate === SizeUpdate.Required ? this.lowestMaxTableSize : this.maxTableSize;
      if (size > ceiling) throw new HpackError(`size update to ${size} above the maximum ${ceiling}`);
      this.dynamic.setCapacity(size);
      this.sizeUpdate = SizeUpdate.Optional;
    }
    if (this.sizeUpdate === SizeUpdate.Required) throw new HpackError('missing size update after a lower SETTINGS_HEADER_TABLE_SIZE');
    this.lowestMaxTableSize = this.maxTableSize;
  }

  /** A literal's name: from the tables when index > 0, else a string literal follows. */
  private literalName(index: number): string {
    return index === 0 ? decodeString(this.reader, this.maxStringLength) : this.nameAt(index);
  }

  private nameAt(index: number): string {
    if (index <= STATIC_TABLE_LENGTH) return STATIC_NAMES[index - 1]!;
    const position = index - STATIC_TABLE_LENGTH - 1;
    if (position >= this.dynamic.length) throw new HpackError(`index ${index} beyond the tables`);
    return this.dynamic.nameAt(position);
  }

  /** The caller has read nameAt(index), which checked the index. */
  private valueAt(index: number): string {
    if (index <= STATIC_TABLE_LENGTH) return STATIC_VALUES[index - 1]!;
    return this.dynamic.valueAt(index - STATIC_TABLE_LENGTH - 1);
  }
}
