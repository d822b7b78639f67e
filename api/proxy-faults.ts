/**
 * A managed proxy's faults: its live ToxicSet, seeded from the proxy's `profile` (a preset or a
 * profile file), whose schedule — if the profile has one — walks only while the proxy listens.
 *
 * Lifecycle: owned by one ManagedProxy. resume()/pause() follow the proxy's start/stop; clear()
 * (POST /reset) removes every toxic and drops the schedule for good, as Toxiproxy's reset leaves
 * a proxy with no toxics.
 */
import type { Logger } from 'pino';
import { ToxicSet } from '../faults/link/toxic-set.js';
import { planFaults, startFaultPlan, type FaultPlan } from '../faults/profiles/plan.js';
import type { ScheduleRunner } from '../faults/profiles/schedule-runner.js';
import { ApiError, ErrBadRequestBody } from './api-error.js';

export class ProxyFaults {
  readonly toxics = new ToxicSet();
  private plan: FaultPlan | undefined;
  private runner: ScheduleRunner | undefined;

  /** The profile in effect; none after clear(). */
  profile: string | undefined;

  constructor(profile: string | undefined, private readonly logger: Logger) {
    this.profile = profile;
    if (profile === undefined) return;
    try {
      this.plan = planFaults({ profile });
    } catch (err) {
      throw ApiError.join(ErrBadRequestBody, `profile: ${(err as Error).message}`);
    }
    this.toxics.replace(this.plan.toxics);
  }

  resume(): void {
    if (this.plan?.schedule && !this.runner) this.runner = startFaultPlan(this.plan, this.toxics, this.logger);
  }

  pause(): void {
    this.runner?.stop();
    this.runner = undefined;
  }

  clear(): void {
    this.pause();
    this.plan = undefined;
    this.profile = undefined;
    this.toxics.reset();
  }
}
