/**
 * A simulated client's timers: one-shot ones, and actions repeated at exponential gaps (a Poisson
 * process: seeks, small requests) drawn from the client's own SeededRandom stream, so a seed
 * replays the same traffic.
 *
 * Lifecycle: owned by one client; clear() (the client's stop) cancels every timer, and none
 * starts after it.
 */
import type { SeededRandom } from '../faults/random.js';

/** Actions are spaced at least this much, as a human with a scrub bar is. */
const MIN_GAP_MS = 50;

export class RepeatingTimers {
  private readonly timers = new Set<NodeJS.Timeout>();
  private cleared = false;

  /** `running`: whether repeated actions still fire (false once the client drains). */
  constructor(private readonly running: () => boolean) {}

  /** Runs `action` at exponential intervals with mean 1/ratePerSecond, while running. */
  every(random: SeededRandom, ratePerSecond: number, action: () => void): void {
    const gap = Math.max(MIN_GAP_MS, (-Math.log(1 - random.next()) / ratePerSecond) * 1000);
    this.once(gap, () => {
      if (!this.running()) return;
      action();
      this.every(random, ratePerSecond, action);
    });
  }

  once(ms: number, fn: () => void): void {
    if (this.cleared) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.cleared) fn();
    }, ms);
    this.timers.add(t);
  }

  clear(): void {
    this.cleared = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
