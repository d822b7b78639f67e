/**
 * Timers that end together: an EnginePath's held resets, a frame toxic's timers. Lifecycle: owned by
 * whoever made it; `clear` (when that owner ends) cancels every timer not yet fired, and a timer
 * that fires leaves the set.
 */
export class TimerSet {
  private readonly timers = new Set<NodeJS.Timeout>();

  add(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  clear(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
