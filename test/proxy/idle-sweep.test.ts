/**
 * The per-connection stream idle sweep, on vitest's fake clock (deterministic: the clock moves
 * only when the test moves it): a stream is told it is idle no sooner than the timeout after its
 * last byte and no later than 1.25× it; a byte moved starts the count again; a stream that ends is
 * never told; the interval stops once nothing is watched.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IdleSweep, type IdleWatched } from '../../proxy/idle-sweep.js';

function watched(onIdle: (s: IdleWatched) => void = () => {}): IdleWatched & { fired: number } {
  const stream = { idleTicks: 0, idleSlot: -1, fired: 0, idleFired: () => { stream.fired++; onIdle(stream); } };
  return stream;
}

describe('IdleSweep', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('tells a stream it is idle between 1× and 1.25× the timeout after its last byte, once', () => {
    const sweep = new IdleSweep(100);
    const s = watched();
    sweep.watch(s);
    vi.advanceTimersByTime(100);
    expect(s.fired).toBe(0);
    vi.advanceTimersByTime(25);
    expect(s.fired).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(s.fired).toBe(1);
  });

  it('counts again from each byte moved', () => {
    const sweep = new IdleSweep(100);
    const s = watched();
    sweep.watch(s);
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(90);
      s.idleTicks = 0; // what the bridge does when a body byte moves
    }
    expect(s.fired).toBe(0);
    vi.advanceTimersByTime(125);
    expect(s.fired).toBe(1);
  });

  it('never tells a stream that was unwatched (ended), and tells the others even when the idle ones leave as they hear of it', () => {
    const sweep = new IdleSweep(100);
    const ended = watched();
    const streams = [watched((x) => sweep.unwatch(x)), ended, watched((x) => sweep.unwatch(x)), watched()];
    for (const s of streams) sweep.watch(s);
    vi.advanceTimersByTime(50);
    sweep.unwatch(ended);
    vi.advanceTimersByTime(75);
    expect(streams.map((s) => s.fired)).toEqual([1, 0, 1, 1]);
  });

  it('stops its interval once nothing is watched, and starts it again for the next stream', () => {
    const sweep = new IdleSweep(100);
    const s = watched();
    sweep.watch(s);
    expect(vi.getTimerCount()).toBe(1);
    sweep.unwatch(s);
    vi.advanceTimersByTime(25);
    expect(vi.getTimerCount()).toBe(0);
    const next = watched();
    sweep.watch(next);
    vi.advanceTimersByTime(125);
    expect(next.fired).toBe(1);
  });
});
