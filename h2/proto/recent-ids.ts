/**
 * The most recent stream ids seen for some purpose, each with a small value: how a stream closed
 * (to answer a late frame on it as §5.1 says), or that the peer ended it (the flood guard).
 *
 * A direct-mapped table indexed by the id: stream ids grow by 2 from one side, so the last
 * `capacity` ids of that side occupy distinct slots, and a newer id takes the slot of one
 * `capacity` streams older — forgetting the oldest without any bookkeeping or allocation.
 *
 * Lifecycle: owned by one connection; nothing to end.
 */
export class RecentIds {
  private readonly ids: Int32Array;
  private readonly values: Uint8Array;
  private readonly mask: number;

  /** `capacity` is rounded up to a power of two. */
  constructor(capacity: number) {
    const size = 2 ** Math.ceil(Math.log2(Math.max(2, capacity)));
    this.ids = new Int32Array(size).fill(-1);
    this.values = new Uint8Array(size);
    this.mask = size - 1;
  }

  /** Remembers `id` with `value` (1..255). */
  set(id: number, value: number): void {
    const slot = (id >>> 1) & this.mask;
    this.ids[slot] = id;
    this.values[slot] = value;
  }

  /** The value remembered for `id`; 0 when it is not (or no longer) remembered. */
  get(id: number): number {
    const slot = (id >>> 1) & this.mask;
    return this.ids[slot] === id ? this.values[slot]! : 0;
  }
}
