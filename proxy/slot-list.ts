/**
 * An unordered list of objects that each know their index in it, so that removal is O(1): the
 * last one moves into the gap. For the per-connection lists of open streams, which streams join
 * and leave at the request rate; not a Set, whose rehashes chain garbage to garbage (see
 * connection-memory.ts).
 */
export class SlotList<T> {
  private readonly items: T[] = [];

  /** `slotOf`/`setSlot` read and write the item's own index field (-1: not in the list). */
  constructor(
    private readonly slotOf: (item: T) => number,
    private readonly setSlot: (item: T, slot: number) => void,
  ) {}

  get length(): number {
    return this.items.length;
  }

  /** The items now, in no particular order (a copy is not made: do not add or delete while reading it). */
  get all(): readonly T[] {
    return this.items;
  }

  /**
   * Puts `item` in; nothing happens if it is in already (as Set.add). The slot field belongs to
   * one list: an item whose field says it sits where this list holds something else (it is in
   * another list sharing the field, or its field did not start at -1) is refused with a throw,
   * since taking it would break both lists' indexes.
   */
  add(item: T): void {
    const slot = this.slotOf(item);
    if (slot >= 0) {
      if (this.items[slot] === item) return;
      throw new Error(`SlotList.add: the item's slot field says ${slot} but this list does not hold it there (in another list, or the field did not start at -1)`);
    }
    this.setSlot(item, this.items.push(item) - 1);
  }

  /** Takes `item` out; nothing happens if it is not in. */
  delete(item: T): void {
    const slot = this.slotOf(item);
    if (slot < 0) return;
    this.setSlot(item, -1);
    const last = this.items.pop()!;
    if (last === item) return;
    this.items[slot] = last;
    this.setSlot(last, slot);
  }
}
