/**
 * A profile file (YAML): timed steps, each a preset and/or single faults and/or raw toxics,
 * walked once or looping every `period`. A file without `steps` is one step at 0s.
 *
 *   loop: true
 *   period: 30s
 *   steps:
 *     - at: 0s
 *       preset: 4g
 *     - at: 10s
 *       label: tunnel
 *       faults: { latency: 400ms, loss: 5% }
 *     - at: 20s
 *       preset: wifi
 *       toxics: [{ type: slicer, attributes: { average_size: 200, delay: 500 } }]
 *
 * Validated as read: an error names the file, the step and the field.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { toxicEntrySchema } from '../toxics/toxic-entry-schema.js';
import type { ToxicSpec } from '../link/types.js';
import { ToxicSpecError } from '../toxics/registry.js';
import { faultsToToxics, linkFaultFields, mergeFaults, type LinkFaults } from './fault-settings.js';
import { presetName } from './presets.js';
import { formatDuration, parseDuration, unitSchema, UnitError } from './units.js';
import '../toxics/all.js';

export class ProfileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProfileError';
  }
}

export interface ScheduleStep {
  /** ms from the start of the schedule (of each loop). */
  at: number;
  label: string;
  /** The step's faults as the file states them (overrides already merged). */
  faults: LinkFaults;
  /** What the step puts in the ToxicSet. */
  toxics: ToxicSpec[];
}

export interface Schedule {
  file: string;
  loop: boolean;
  /** Loop length in ms (set when loop is true). */
  period?: number;
  steps: ScheduleStep[];
}

const duration = unitSchema(parseDuration);

const stepSchema = z
  .object({
    at: duration,
    label: z.string().optional(),
    preset: presetName.optional(),
    // Lazy: the schedule toxic imports this file and this file imports every toxic, so the fault
    // fields are only looked up at parse time, when every module has loaded.
    faults: z.lazy(() => z.object(linkFaultFields).omit({ toxics: true }).strict()).optional(),
    toxics: z.array(toxicEntrySchema).optional(),
  })
  .strict();

const fileSchema = z
  .object({
    description: z.string().optional(),
    loop: z.boolean().default(false),
    period: duration.optional(),
    steps: z.array(stepSchema).min(1),
  })
  .strict()
  .superRefine((file, ctx) => {
    file.steps.forEach((step, i) => {
      if (i > 0 && step.at < file.steps[i - 1]!.at) {
        ctx.addIssue({ code: 'custom', path: ['steps', i, 'at'], message: 'steps must be in time order' });
      }
    });
    const last = file.steps[file.steps.length - 1]!.at;
    if (file.loop && file.period === undefined) {
      ctx.addIssue({ code: 'custom', path: ['period'], message: 'a looping profile needs a period (e.g. period: 30s)' });
    } else if (file.period !== undefined && file.period <= last) {
      ctx.addIssue({ code: 'custom', path: ['period'], message: `must be longer than the last step's time (${formatDuration(last)})` });
    }
  });

/** Read and validate a profile file; `overrides` (CLI flags) win over every step's values. */
export function loadProfileFile(file: string, overrides: LinkFaults = {}): Schedule {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ProfileError(`${file}: cannot read profile: ${(err as Error).message}`);
  }
  return parseProfile(file, text, overrides);
}

export function parseProfile(file: string, text: string, overrides: LinkFaults = {}): Schedule {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ProfileError(`${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw) && !('steps' in raw)) {
    const { description, ...step } = raw as Record<string, unknown>;
    raw = { description, steps: [{ at: 0, ...step }] };
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ProfileError(`${file}: ${where(issue.path, raw)}: ${issue.message}`);
  }
  const steps = parsed.data.steps.map((step, i): ScheduleStep => {
    const faults = mergeFaults({ preset: step.preset, ...step.faults, toxics: step.toxics }, overrides);
    try {
      return { at: step.at, label: step.label ?? step.preset ?? `step ${i + 1}`, faults, toxics: faultsToToxics(faults) };
    } catch (err) {
      if (!(err instanceof ToxicSpecError || err instanceof UnitError)) throw err;
      throw new ProfileError(`${file}: step ${i + 1} (at ${formatDuration(step.at)}): ${err.message}`);
    }
  });
  return { file, loop: parsed.data.loop, period: parsed.data.period, steps };
}

/** "step 3 (at 10s): faults.latency" for a path into steps, else the path itself. */
function where(path: readonly PropertyKey[], raw: unknown): string {
  if (path[0] === 'steps' && typeof path[1] === 'number') {
    const at = (raw as { steps?: Array<{ at?: unknown }> }).steps?.[path[1]]?.at;
    const rest = path.slice(2).map(String).join('.');
    const step = `step ${path[1] + 1}${at !== undefined ? ` (at ${typeof at === 'string' ? at : JSON.stringify(at)})` : ''}`;
    return rest ? `${step}: ${rest}` : step;
  }
  return path.length > 0 ? path.map(String).join('.') : '(top level)';
}
