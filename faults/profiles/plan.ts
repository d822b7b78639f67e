/**
 * From what the user asked for (CLI flags or the config file's `faults:`) to what runs: the
 * toxics a proxy's ToxicSet starts with and, for a profile file, the schedule that changes them.
 * Making the plan creates its toxics, so it loads them (a trace is read now): a plan that cannot
 * run throws before anything changes, which a config reload counts on.
 */
import type { Logger } from 'pino';
import type { ToxicSet } from '../link/toxic-set.js';
import type { ToxicSpec } from '../link/types.js';
import { faultsToToxics, type LinkFaults } from './fault-settings.js';
import { loadProfileFile, type Schedule } from './profile-file.js';
import { findPreset, presetNames } from './presets.js';
import { ScheduleRunner } from './schedule-runner.js';
import { UnitError } from './units.js';
import { loadToxic } from '../toxics/registry.js';

export interface FaultSettings extends Omit<LinkFaults, 'preset'> {
  /** A preset name or a profile file (.yaml/.yml/.json, or any path with a slash). */
  profile?: string;
  seed?: number;
}

export interface FaultPlan {
  /** What the ToxicSet holds from the start. */
  toxics: ToxicSpec[];
  /** Set when the profile is a file; start it with startFaultPlan. */
  schedule?: Schedule;
}

export function isProfileFile(profile: string): boolean {
  return /\.(ya?ml|json)$/i.test(profile) || profile.includes('/');
}

export function planFaults(settings: FaultSettings): FaultPlan {
  const { profile, seed: _seed, ...faults } = settings;
  if (profile !== undefined && isProfileFile(profile)) {
    const schedule = loadProfileFile(profile, faults);
    const first = schedule.steps[0]!;
    return { toxics: first.at === 0 ? first.toxics : [], schedule };
  }
  if (profile !== undefined && !findPreset(profile)) {
    throw new UnitError(`unknown profile "${profile}": not a preset (${presetNames().join(', ')}) nor a profile file`);
  }
  return { toxics: faultsToToxics({ ...faults, preset: profile }).map(loadToxic) };
}

/** Put the plan's toxics in the set; a schedule starts walking now (stop the returned runner). */
export function startFaultPlan(plan: FaultPlan, set: ToxicSet, logger: Logger): ScheduleRunner | undefined {
  if (!plan.schedule) {
    set.replace(plan.toxics);
    return undefined;
  }
  return new ScheduleRunner(plan.schedule, set, logger).start();
}
