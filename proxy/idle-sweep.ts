/**
 * The stream idle timeout (`downstream.streamIdleTimeoutMs`) of one engine connection, with no
 * timer per stream: one interval per connection ticks every quarter of the timeout, and a stream
 * with no body byte moved either way for five ticks is told it is idle — between 1× and 1.25× the
 * timeout after its last byte, never sooner. Moving a byte only zeroes the stream's tick count:
 * a Node timer per stream, re-armed at each write, was ~3 % of the proxy's CPU on small requests.
 *
 * The upstream response timeout uses the same sweep (forward-h2.ts, one per forwarder): an
 * attempt is watched from its request sent to its response head, and nothing zeroes its count.
 *
 * Lifecycle — owner: the front, one per engine connection (the forwarder, for the response timeout). A stream is watched from watch() until
 * unwatch() (its end: every stream of a closed connection ends); the interval (unref'd) runs while
 * some stream is watched and stops at the first tick that finds none — that is its one end.
 */
import { SlotList } from './slot-list.js';

/** A stream as the sweep sees it. */
export interface IdleWatched {
  /** Ticks since the stream last moved a byte (the stream zeroes it; the sweep counts). */
  idleTicks: number;
  /** Its index among the watched streams, else -1 (written by IdleSweep only). */
  idleSlot: number;
  /** No byte moved for the timeout. */
  idleFired(): void;
}

const TICKS_PER_TIMEOUT = 4;

export class IdleSweep {
  private readonly watched = new SlotList<IdleWatched>((s) => s.idleSlot, (s, slot) => (s.idleSlot = slot));
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly timeoutMs: number) {}

  watch(stream: IdleWatched): void {
    stream.idleTicks = 0;
    this.watched.add(stream);
    if (this.timer) return;
    this.timer = setInterval(this.tick, Math.ceil(this.timeoutMs / TICKS_PER_TIMEOUT));
    this.timer.unref();
  }

  unwatch(stream: IdleWatched): void {
    this.watched.delete(stream);
  }

  private readonly tick = (): void => {
    if (this.watched.length === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    let idle: IdleWatched[] | undefined;
    for (const stream of this.watched.all) {
      if (++stream.idleTicks > TICKS_PER_TIMEOUT) (idle ??= []).push(stream);
    }
    // Told after the count: an idle stream closes, and leaves the list, as it hears of it.
    if (!idle) return;
    for (const stream of idle) {
      this.unwatch(stream);
      stream.idleFired();
    }
  };
}
