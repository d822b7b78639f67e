/**
 * The encoder's dynamic table: the table itself plus a lookup from name (and value) to the newest
 * entry holding it, so that finding a match costs two Map lookups, not a scan. Entries are known
 * by sequence number (the count of insertions before them); an entry's HPACK position follows
 * from the table's insertCount. The lookup always names the newest entry: evictions go oldest
 * first, so when the entry a key names is evicted, no other entry has that key.
 */
import { DynamicTable } from './dynamic-table.js';

/** The dynamic entries with one name: the newest one's sequence number, and the newest per value. */
export interface DynamicName {
  newestSeq: number;
  readonly values: Map<string, number>;
}

export class EncoderTable extends DynamicTable {
  private readonly byName = new Map<string, DynamicName>();

  lookupName(name: string): DynamicName | undefined {
    return this.byName.get(name);
  }

  /** Position (0 = newest) of the entry with this sequence number, which is still in the table. */
  positionOf(seq: number): number {
    return this.insertCount - 1 - seq;
  }

  override add(name: string, value: string): void {
    const before = this.insertCount;
    super.add(name, value);
    if (this.insertCount === before) return;
    const seq = before;
    const entry = this.byName.get(name);
    if (entry === undefined) {
      this.byName.set(name, { newestSeq: seq, values: new Map([[value, seq]]) });
      return;
    }
    entry.newestSeq = seq;
    entry.values.set(value, seq);
  }

  protected override evictOldest(): void {
    const seq = this.insertCount - this.length;
    const name = this.oldestName();
    const entry = this.byName.get(name)!;
    if (entry.newestSeq === seq) {
      this.byName.delete(name);
    } else {
      const value = this.oldestValue();
      if (entry.values.get(value) === seq) entry.values.delete(value);
    }
    super.evictOldest();
  }
}
