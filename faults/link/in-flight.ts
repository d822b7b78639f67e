/**
 * What a link (its chunks) or the engine's link transport (its frames) has taken and not yet
 * finished, oldest first. Items finish mostly in the order they came (a link is a byte stream;
 * only a drop settles one early), so this is an array with a moving head, not a Set: keeping an
 * item costs no allocation. An item that settles out of order stays until it reaches the head.
 *
 * Lifecycle: owned by one link or transport; an item enters with `add` and leaves once it has
 * `settled` and every item before it has too (`forget`, called after each settle).
 */
export interface Settling {
  readonly settled: boolean;
}

export class InFlight<T extends Settling> {
  private items: T[] = [];
  private head = 0;

  add(item: T): void {
    this.items.push(item);
  }

  /** Drops the settled items at the head: call it after an item settled. */
  forget(): void {
    const items = this.items;
    while (this.head < items.length && items[this.head]!.settled) this.head++;
    if (this.head === items.length) {
      items.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > items.length) {
      this.items = items.slice(this.head);
      this.head = 0;
    }
  }

  /** The items not settled, oldest first (a copy: settling them while iterating is safe). */
  unsettled(): T[] {
    return this.items.slice(this.head).filter((item) => !item.settled);
  }

  /** How many unsettled items `match`. */
  count(match: (item: T) => boolean): number {
    let n = 0;
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i]!;
      if (!item.settled && match(item)) n++;
    }
    return n;
  }
}
