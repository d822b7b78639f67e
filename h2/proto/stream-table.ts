/**
 * A connection's open streams by id: what a Map<number, T> did for it, without a Map's garbage
 * and without a hash table's cost per lookup.
 *
 * Why not a Map: one that streams come and go through rehashes every few dozen entries, and V8
 * leaves each replaced table (OrderedHashTable) holding the entries it had plus a link to its
 * successor, for iterators. Once one replaced table is in the old generation, the chain of tables
 * after it keeps every stream that was open at a rehash — with all the stream references: its
 * handler, the proxy's objects — alive through two scavenges, so they are promoted: ~1.5 KB of
 * each small proxied request, collected only by mark-compacts.
 *
 * How: one peer's stream ids rise by 2, and the open ones are mostly recent, so `id / 2` modulo a
 * fixed number of slots gives each its own slot: two arrays that are never replaced, a lookup one
 * compare. An id whose slot is taken (a stream open for as long as SLOTS newer ones came) goes to
 * a dictionary-mode object, whose rehash drops the old table with no link to the new one.
 *
 * Lifecycle: one per Connection, for its whole life; a stream is in it from open to close.
 */
const SLOTS = 256;
const MASK = SLOTS - 1;
/** No stream has id 0 (RFC 9113 §5.1.1): a slot holding it is free. */
const FREE = 0;

export class StreamTable<T> {
  private readonly slotIds = new Int32Array(SLOTS);
  private readonly slotValues: (T | undefined)[] = new Array<T | undefined>(SLOTS).fill(undefined);
  /** Ids whose slot was taken when they came. */
  private overflow: Record<number, T | undefined> | undefined;
  private overflowCount = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(id: number): T | undefined {
    const slot = (id >>> 1) & MASK;
    if (this.slotIds[slot] === id) return this.slotValues[slot];
    return this.overflowCount === 0 ? undefined : this.overflow![id];
  }

  set(id: number, value: T): void {
    const slot = (id >>> 1) & MASK;
    if (this.slotIds[slot] === id) {
      this.slotValues[slot] = value;
      return;
    }
    // Already in the overflow (its slot was taken then): it stays there.
    if (this.overflowCount > 0 && this.overflow![id] !== undefined) {
      this.overflow![id] = value;
      return;
    }
    this.count++;
    if (this.slotIds[slot] === FREE) {
      this.slotIds[slot] = id;
      this.slotValues[slot] = value;
      return;
    }
    this.overflowCount++;
    (this.overflow ??= dictionary<T>())[id] = value;
  }

  delete(id: number): void {
    const slot = (id >>> 1) & MASK;
    if (this.slotIds[slot] === id) {
      this.slotIds[slot] = FREE;
      this.slotValues[slot] = undefined;
      this.count--;
      return;
    }
    if (this.overflowCount === 0 || this.overflow![id] === undefined) return;
    delete this.overflow![id];
    this.overflowCount--;
    this.count--;
  }

  /** The open streams in id order (a copy: streams may close while it is read). */
  values(): T[] {
    const ids: number[] = [];
    for (let slot = 0; slot < SLOTS; slot++) if (this.slotIds[slot] !== FREE) ids.push(this.slotIds[slot]!);
    if (this.overflowCount > 0) for (const id of Object.keys(this.overflow!)) ids.push(Number(id));
    return ids.sort((a, b) => a - b).map((id) => this.get(id)!);
  }
}

function dictionary<T>(): Record<number, T | undefined> {
  const byId = Object.create(null) as Record<number, T | undefined>;
  // A far index makes the elements a dictionary from the start (stream ids are sparse anyway).
  byId[2 ** 31] = undefined;
  delete byId[2 ** 31];
  return byId;
}
