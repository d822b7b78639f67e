/**
 * schedule (h2race's own): a profile file's timed steps as one toxic, walked per connection from
 * when the toxic starts on it (the proxy-wide `--profile file.yaml` walks one clock for all; both
 * walk with profiles/schedule-walk.ts).
 * Each step swaps this direction's link faults; frame-kind toxics in the file are ignored here.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { SubChain } from '../link/sub-chain.js';
import { loadProfileFile, ProfileError, type Schedule } from '../profiles/profile-file.js';
import { ScheduleWalk } from '../profiles/schedule-walk.js';
import { registerLinkToxic } from './link-toxic.js';

/** Files being validated right now: a step holding a schedule toxic of its own file would recurse. */
const loading = new Set<string>();
/** The file as last validated (when the toxic was added or updated), so a new connection does
 * not read and parse it again. */
const loaded = new Map<string, Schedule>();

export const scheduleToxic = registerLinkToxic({
  type: 'schedule',
  summary: 'walk a profile file (.yaml timed steps) on each connection from its start',
  schema: z.object({
    file: z.string().min(1).superRefine((file, ctx) => {
      const path = resolve(file);
      if (loading.has(path)) {
        ctx.addIssue({ code: 'custom', message: `${file}: a schedule cannot include itself` });
        return;
      }
      loading.add(path);
      try {
        loaded.set(path, loadProfileFile(file));
      } catch (err) {
        if (!(err instanceof ProfileError)) throw err;
        ctx.addIssue({ code: 'custom', message: err.message });
      } finally {
        loading.delete(path);
      }
    }),
  }),
  stage(ctx) {
    const path = resolve(ctx.attributes.file);
    const chain = new SubChain(ctx);
    const walk = new ScheduleWalk(loaded.get(path) ?? loadProfileFile(path), {
      now: () => ctx.now(),
      apply: (step, index) => {
        chain.set(step.toxics);
        ctx.record('step', index + 1);
      },
    });
    walk.start();
    return {
      get queueBytes() {
        return chain.queueBytes;
      },
      get bytesPerMs() {
        return chain.bytesPerMs;
      },
      get delayMs() {
        return chain.delayMs;
      },
      push: (piece) => chain.push(piece),
      drain() {
        walk.stop();
        return chain.drain();
      },
    };
  },
});
