/**
 * The dynamic table (RFC 7541 §2.3.2, §4): a FIFO of fields, newest first, whose size
 * (Σ name + value + 32 octets, §4.1) never exceeds its capacity, the maximum set by the last
 * size update. Stored as a ring of two string arrays so that adding, evicting and indexing
 * allocate nothing once the ring has grown to the table's working length.
 */

/** Overhead per entry counted by §4.1 (an estimate of an implementation's bookkeeping). */
export const ENTRY_OVERHEAD = 32;

export function entrySize(name: string, value: string): number {
  return name.length + value.length + ENTRY_OVERHEAD;
}

/** What tests and diagnostics may read of a table. */
export interface HpackTableView {
  /** Σ (name.length + value.length + 32) over the entries. */
  readonly size: number;
  /** The maximum size in force: the last size update, or the initial one. */
  readonly capacity: number;
  readonly length: number;
  /** The entries, newest first (HPACK index 62, 63, ...). Allocates: not for the hot path. */
  entries(): Array<[name: string, value: string]>;
}

export class DynamicTable implements HpackTableView {
  size = 0;
  length = 0;
  /** How many entries were ever added: the newest entry's sequence number is insertCount - 1. */
  insertCount = 0;
  private names: string[] = new Array<string>(16).fill('');
  private values: string[] = new Array<string>(16).fill('');
  /** Ring position of the oldest entry; the ring's length is a power of two. */
  private oldest = 0;

  constructor(public capacity: number) {}

  /** Name of the entry at `position` (0 = newest). The caller has checked position < length. */
  nameAt(position: number): string {
    return this.names[(this.oldest + this.length - 1 - position) & (this.names.length - 1)]!;
  }

  valueAt(position: number): string {
    return this.values[(this.oldest + this.length - 1 - position) & (this.values.length - 1)]!;
  }

  /** Adds a field, evicting the oldest entries to make room; one larger than the capacity empties the table (§4.4). */
  add(name: string, value: string): void {
    const size = entrySize(name, value);
    while (this.length > 0 && this.size + size > this.capacity) this.evictOldest();
    if (size > this.capacity) return;
    this.insertCount++;
    if (this.length === this.names.length) this.growRing();
    const slot = (this.oldest + this.length) & (this.names.length - 1);
    this.names[slot] = name;
    this.values[slot] = value;
    this.length++;
    this.size += size;
  }

  /** Applies a size update (§6.3): evicts until the entries fit the new capacity. */
  setCapacity(capacity: number): void {
    this.capacity = capacity;
    while (this.size > capacity) this.evictOldest();
  }

  entries(): Array<[string, string]> {
    return Array.from({ length: this.length }, (_, position) => [this.nameAt(position), this.valueAt(position)]);
  }

  /** Removes the oldest entry; the encoder's table overrides it to keep its lookup in step. */
  protected evictOldest(): void {
    const slot = this.oldest;
    this.size -= entrySize(this.names[slot]!, this.values[slot]!);
    this.names[slot] = '';
    this.values[slot] = '';
    this.oldest = (slot + 1) & (this.names.length - 1);
    this.length--;
  }

  protected oldestName(): string {
    return this.names[this.oldest]!;
  }

  protected oldestValue(): string {
    return this.values[this.oldest]!;
  }

  private growRing(): void {
    const names = new Array<string>(this.names.length * 2).fill('');
    const values = new Array<string>(this.values.length * 2).fill('');
    for (let position = 0; position < this.length; position++) {
      const slot = (this.oldest + position) & (this.names.length - 1);
      names[position] = this.names[slot]!;
      values[position] = this.values[slot]!;
    }
    this.names = names;
    this.values = values;
    this.oldest = 0;
  }
}
