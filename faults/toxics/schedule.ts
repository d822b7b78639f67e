/**
 * schedule (h2race's own): a profile file's timed steps as one toxic, walked per connection from
 * when the toxic starts on it (the proxy-wide `--profile file.yaml` walks one clock for all; both
 * walk with profiles/schedule-walk.ts).
 * Each step swaps this direction's link faults; frame-kind toxics in the file are ignored here.
 * The file is read when the toxic is added (each add reads it again), not while it is validated;
 * every connection walks the steps read then.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { SubChain } from '../link/sub-chain.js';
import { loadProfileFile, ProfileError, type Schedule } from '../profiles/profile-file.js';
import { ScheduleWalk } from '../profiles/schedule-walk.js';
import { defineLinkToxic } from './link-toxic.js';
import { attributeError } from './registry.js';

/** Files being read right now: a step holding a schedule toxic of its own file would recurse.
 * Empty again when the add that read them returns. */
const reading = new Set<string>();

export const scheduleToxic = defineLinkToxic({
  type: 'schedule',
  summary: 'walk a profile file (.yaml timed steps) on each connection from its start',
  schema: z.object({ file: z.string().min(1) }),
  load({ file }): Schedule {
    const path = resolve(file);
    if (reading.has(path)) throw attributeError('file', `${file}: a schedule cannot include itself`);
    reading.add(path);
    try {
      return loadProfileFile(file);
    } catch (err) {
      if (!(err instanceof ProfileError)) throw err;
      throw attributeError('file', err.message);
    } finally {
      reading.delete(path);
    }
  },
  stage(ctx, schedule) {
    // The walk ends where the sub-chain does: when it leaves the link (drain).
    const chain = new SubChain(ctx, () => walk.stop());
    const walk = new ScheduleWalk(schedule, {
      now: () => ctx.now(),
      apply: (step, index) => {
        chain.set(step.toxics);
        ctx.record('step', index + 1);
      },
    });
    walk.start();
    // A sub-chain is a stage: its queue, rate and delay are its current step's.
    return chain;
  },
});
