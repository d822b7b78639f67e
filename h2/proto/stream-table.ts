/**
 * A connection's open streams by id: what a Map<number, T> did for it, without a Map's garbage.
 *
 * Why not a Map: one that streams come and go through rehashes every few dozen entries, and V8
 * leaves each replaced table (OrderedHashTable) holding the entries it had plus a link to its
 * successor, for iterators. Once one replaced table is in the old generation, the chain of tables
 * after it keeps every stream that was open at a rehash — with all the stream references: its
 * handler, the proxy's objects — alive through two scavenges, so they are promoted: ~1.5 KB of
 * each small proxied request, collected only by mark-compacts. Here the ids index a dictionary-mode
 * object, whose rehash drops the old table with no link to the new one.
 *
 * Lifecycle: one per Connection, for its whole life; a stream is in it from open to close.
 */
export class StreamTable<T> {
  private readonly byId: Record<number, T | undefined> = Object.create(null) as Record<number, T | undefined>;
  private count = 0;

  constructor() {
    // A far index makes the elements a dictionary from the start (stream ids are sparse anyway).
    this.byId[2 ** 31] = undefined;
    delete this.byId[2 ** 31];
  }

  get size(): number {
    return this.count;
  }

  get(id: number): T | undefined {
    return this.byId[id];
  }

  set(id: number, value: T): void {
    if (this.byId[id] === undefined) this.count++;
    this.byId[id] = value;
  }

  delete(id: number): void {
    if (this.byId[id] === undefined) return;
    delete this.byId[id];
    this.count--;
  }

  /** The open streams (a copy: streams may close while it is read). */
  values(): T[] {
    return Object.values(this.byId) as T[];
  }
}
