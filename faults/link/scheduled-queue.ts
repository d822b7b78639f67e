/**
 * A FIFO of pieces, each with a release time fixed when it is scheduled (nondecreasing), and one
 * timer for the head. Most link toxics are this queue plus a rule for the release time: latency
 * (arrival + delay), bandwidth (serialisation on a virtual clock), loss (RTO stalls), slicer.
 * Release times are absolute, so a late timer never accumulates into drift.
 */
import type { Piece } from './piece.js';

/**
 * libuv's timers run on a ms clock truncated at each loop turn, so a timer fires up to ~1 ms
 * either side of its performance.now() target. Releasing pieces due within 1 ms and arming
 * with the rounded wait centres the error on zero (measured: median +0.07 ms, p90 +0.8 ms);
 * waiting for the exact time instead adds ~1 ms to every delay. So a piece may leave up to this
 * much before its release time (what a lower bound on a link's delay must allow for).
 */
export const RELEASE_EARLY_MS = 1;

export class ScheduledQueue {
  private pieces: Piece[] = [];
  private releases: number[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Release time of the last piece ever scheduled; the queue's virtual clock. */
  lastRelease = -Infinity;

  constructor(private readonly emit: (piece: Piece) => void) {}

  get length(): number {
    return this.pieces.length - this.head;
  }

  schedule(piece: Piece, release: number): void {
    const at = Math.max(release, this.lastRelease);
    this.lastRelease = at;
    this.pieces.push(piece);
    this.releases.push(at);
    if (this.timer === undefined) this.pump();
  }

  drain(): Piece[] {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const held = this.pieces.slice(this.head);
    this.pieces = [];
    this.releases = [];
    this.head = 0;
    return held;
  }

  private readonly pump = (): void => {
    this.timer = undefined;
    const now = performance.now();
    while (this.head < this.pieces.length && this.releases[this.head]! <= now + RELEASE_EARLY_MS) {
      const piece = this.pieces[this.head]!;
      piece.at = this.releases[this.head]!;
      this.head++;
      // emit may end the link, which drains this queue: the loop condition sees it.
      this.emit(piece);
    }
    if (this.head >= this.pieces.length) {
      this.pieces = [];
      this.releases = [];
      this.head = 0;
      return;
    }
    if (this.head > 1024 && this.head * 2 > this.pieces.length) {
      this.pieces = this.pieces.slice(this.head);
      this.releases = this.releases.slice(this.head);
      this.head = 0;
    }
    this.timer = setTimeout(this.pump, Math.max(1, Math.round(this.releases[this.head]! - now)));
  };
}
