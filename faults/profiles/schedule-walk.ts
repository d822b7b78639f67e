/**
 * The one walk of a schedule's timed steps, shared by the proxy-wide runner (one clock for every
 * connection) and the schedule toxic (one walk per connection). Step times count from start() on
 * one absolute clock, so a late timer does not push later steps back; a step is due once the
 * clock is within half a millisecond of it, and the timer waits at least until then.
 * Its lifecycle ends in stop(), or by itself after the last step of a schedule that does not loop.
 */
/** What the walk reads of a schedule (profile-file.ts's Schedule is one). */
export interface WalkedSchedule<Step extends { at: number }> {
  /** ms from the start of the schedule (of each loop), in order. */
  steps: readonly Step[];
  loop: boolean;
  /** Loop length in ms (set when loop is true). */
  period?: number;
}

/** How much early a due step may be applied: a timer seldom fires on the exact sub-millisecond. */
const DUE_SLACK_MS = 0.5;

export interface ScheduleWalkHooks<Step> {
  now: () => number;
  /** Applies a step; `cycle` counts the loops done. */
  apply: (step: Step, index: number, cycle: number) => void;
  /** A schedule that does not loop applied its last step. */
  done?: () => void;
}

enum WalkPhase {
  Idle,
  Walking,
  Ended,
}

export class ScheduleWalk<Step extends { at: number }> {
  private phase = WalkPhase.Idle;
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private index = 0;
  private cycle = 0;

  constructor(
    private readonly schedule: WalkedSchedule<Step>,
    private readonly hooks: ScheduleWalkHooks<Step>,
  ) {}

  /** Applies the steps due at 0 before returning; a second start() does nothing. */
  start(): void {
    if (this.phase !== WalkPhase.Idle) return;
    this.phase = WalkPhase.Walking;
    this.startedAt = this.hooks.now();
    this.advance();
  }

  stop(): void {
    this.phase = WalkPhase.Ended;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private dueAt(): number {
    return this.startedAt + this.cycle * (this.schedule.period ?? 0) + this.schedule.steps[this.index]!.at;
  }

  private readonly advance = (): void => {
    this.timer = undefined;
    const { steps, loop } = this.schedule;
    while (this.phase === WalkPhase.Walking && this.dueAt() <= this.hooks.now() + DUE_SLACK_MS) {
      this.hooks.apply(steps[this.index]!, this.index, this.cycle);
      if (++this.index === steps.length) {
        if (!loop) {
          this.phase = WalkPhase.Ended;
          this.hooks.done?.();
          return;
        }
        this.index = 0;
        this.cycle++;
      }
    }
    if (this.phase !== WalkPhase.Walking) return;
    this.timer = setTimeout(this.advance, Math.max(1, Math.ceil(this.dueAt() - this.hooks.now())));
    // A schedule alone does not keep the process up; the proxy or connection it shapes does.
    this.timer.unref();
  };
}
