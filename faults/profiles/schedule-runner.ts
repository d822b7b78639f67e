/**
 * The proxy-wide schedule: walks a profile's timed steps (schedule-walk.ts) on one clock for all
 * connections, replacing a ToxicSet's toxics at each step's time (so live connections follow)
 * and logging each change.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { ToxicSet } from '../link/toxic-set.js';
import type { Schedule, ScheduleStep } from './profile-file.js';
import { ScheduleWalk } from './schedule-walk.js';

export interface ScheduleRunnerEvents {
  step: [step: ScheduleStep, index: number, cycle: number];
  /** A schedule that does not loop applied its last step. */
  done: [];
}

export class ScheduleRunner extends EventEmitter<ScheduleRunnerEvents> {
  private readonly walk: ScheduleWalk<ScheduleStep>;

  constructor(
    readonly schedule: Schedule,
    toxics: ToxicSet,
    logger: Logger,
  ) {
    super();
    this.walk = new ScheduleWalk(schedule, {
      now: () => performance.now(),
      apply: (step, index, cycle) => {
        toxics.replace(step.toxics);
        logger.info(
          { profile: schedule.file, step: index + 1, at: step.at, cycle, label: step.label, toxics: step.toxics.map((t) => `${t.name}:${t.type}`) },
          'fault profile step applied',
        );
        this.emit('step', step, index, cycle);
      },
      done: () => this.emit('done'),
    });
  }

  /** Applies the steps due at 0 before returning. */
  start(): this {
    this.walk.start();
    return this;
  }

  stop(): void {
    this.walk.stop();
  }
}
