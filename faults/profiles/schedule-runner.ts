/**
 * Walks a profile's timed steps, replacing a ToxicSet's toxics at each step's time (so live
 * connections follow) and logging each change. Step times are counted from start() on one
 * absolute clock, so a late timer does not push later steps back.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { ToxicSet } from '../link/toxic-set.js';
import type { Schedule, ScheduleStep } from './profile-file.js';

export interface ScheduleRunnerEvents {
  step: [step: ScheduleStep, index: number, cycle: number];
  /** A schedule that does not loop applied its last step. */
  done: [];
}

export class ScheduleRunner extends EventEmitter<ScheduleRunnerEvents> {
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private index = 0;
  private cycle = 0;
  private running = false;

  constructor(
    readonly schedule: Schedule,
    private readonly toxics: ToxicSet,
    private readonly logger: Logger,
  ) {
    super();
  }

  /** Applies the steps due at 0 before returning. */
  start(): this {
    if (this.running) return this;
    this.running = true;
    this.startedAt = performance.now();
    this.index = 0;
    this.cycle = 0;
    this.advance();
    return this;
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private dueAt(): number {
    return this.startedAt + this.cycle * (this.schedule.period ?? 0) + this.schedule.steps[this.index]!.at;
  }

  private readonly advance = (): void => {
    this.timer = undefined;
    const { steps, loop, file } = this.schedule;
    while (this.running && this.dueAt() <= performance.now() + 0.5) {
      const step = steps[this.index]!;
      this.toxics.replace(step.toxics);
      this.logger.info(
        { profile: file, step: this.index + 1, at: step.at, cycle: this.cycle, label: step.label, toxics: step.toxics.map((t) => `${t.name}:${t.type}`) },
        'fault profile step applied',
      );
      this.emit('step', step, this.index, this.cycle);
      if (++this.index === steps.length) {
        if (!loop) {
          this.running = false;
          this.emit('done');
          return;
        }
        this.index = 0;
        this.cycle++;
      }
    }
    if (!this.running) return;
    this.timer = setTimeout(this.advance, Math.max(1, Math.ceil(this.dueAt() - performance.now())));
    // A schedule alone does not keep the process up; the proxy it shapes does.
    this.timer.unref();
  };
}
