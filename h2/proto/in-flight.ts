/**
 * Items taken in order and finished mostly in that order, oldest first: the frame writer's frames
 * whose write is not done, h2race's link chunks. An array used as a
 * queue with a moving head, whose slots are reused: keeping an item costs no allocation (not a
 * Set's table, not a new backing store each time the queue empties). An item that finishes out of
 * order stays until it reaches the head; a slot is cleared as its item leaves, so nothing finished
 * stays reachable from here.
 *
 * Lifecycle: owned by one writer or link; an item enters with `add` and leaves once
 * `isDone(item)` and every item before it has left too (`forget`, called after each finish).
 */
export class InFlight<T> {
  private items: Array<T | undefined> = [];
  private head = 0;
  private tail = 0;

  constructor(private readonly isDone: (item: T) => boolean) {}

  add(item: T): void {
    if (this.tail === this.items.length) this.items.push(item);
    else this.items[this.tail] = item;
    this.tail++;
  }

  /** Lets the finished items at the head go: call it after an item finished. */
  forget(): void {
    const items = this.items;
    while (this.head < this.tail && this.isDone(items[this.head]!)) items[this.head++] = undefined;
    if (this.head === this.tail) {
      this.head = this.tail = 0;
    } else if (this.head > 1024 && this.head * 2 > this.tail) {
      items.copyWithin(0, this.head, this.tail);
      items.fill(undefined, this.tail - this.head, this.tail);
      this.tail -= this.head;
      this.head = 0;
    }
  }

  /**
   * The items not finished, oldest first: a copy (made on resets and ends, not per item), so the
   * caller may finish them as it goes.
   */
  unfinished(): T[] {
    return (this.items.slice(this.head, this.tail) as T[]).filter((item) => !this.isDone(item));
  }
}
