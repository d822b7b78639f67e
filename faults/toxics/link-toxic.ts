/**
 * The shape of a link-kind toxic module: a zod schema for its attributes and a stage factory,
 * under its Toxiproxy type name. Defining one registers nothing: builtin.ts lists the toxics and
 * a composition root registers them.
 */
import { z } from 'zod';
import type { LinkStage, LinkToxicImpl, StageContext } from '../link/stage.js';
import type { ToxicType } from './registry.js';

export function defineLinkToxic<S extends z.ZodType<Record<string, unknown>>, L = undefined>(def: {
  type: string;
  summary: string;
  schema: S;
  /** What the toxic reads when it is added (registry.ts loadToxic); each stage gets it. */
  load?: (attributes: z.output<S>) => L;
  stage: (ctx: StageContext<z.output<S>>, loaded: L) => LinkStage;
  closesWhenRemoved?: boolean;
  propagation?: boolean;
}): ToxicType<z.output<S>, LinkToxicImpl<z.output<S>>> {
  const { load } = def;
  return {
    type: def.type,
    kind: 'link',
    summary: def.summary,
    schema: def.schema as unknown as z.ZodType<z.output<S>>,
    load,
    impl: {
      stage(ctx) {
        // Every spec a link runs went through loadToxic (ToxicSet, followToxics, a profile file's steps).
        if (load && ctx.spec.loaded === undefined) throw new Error(`toxic ${ctx.spec.name} (${def.type}) runs without being loaded`);
        return def.stage(ctx, ctx.spec.loaded as L);
      },
      closesWhenRemoved: def.closesWhenRemoved,
      propagation: def.propagation,
    },
  };
}

/** A Toxiproxy attribute: a non-negative integer, 0 when missing. */
export function intAttribute(): z.ZodDefault<z.ZodNumber> {
  return z.number().int().min(0).default(0);
}
