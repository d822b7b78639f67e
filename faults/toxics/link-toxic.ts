/**
 * The shape of a link-kind toxic module: a zod schema for its attributes and a stage factory,
 * under its Toxiproxy type name. Defining one registers nothing: builtin.ts lists the toxics and
 * a composition root registers them.
 */
import { z } from 'zod';
import type { LinkStage, LinkToxicImpl, StageContext } from '../link/stage.js';
import type { ToxicType } from './registry.js';

export function defineLinkToxic<S extends z.ZodType<Record<string, unknown>>>(def: {
  type: string;
  summary: string;
  schema: S;
  stage: (ctx: StageContext<z.output<S>>) => LinkStage;
  closesWhenRemoved?: boolean;
  propagation?: boolean;
}): ToxicType<z.output<S>, LinkToxicImpl<z.output<S>>> {
  return {
    type: def.type,
    kind: 'link',
    summary: def.summary,
    schema: def.schema as unknown as z.ZodType<z.output<S>>,
    impl: { stage: def.stage, closesWhenRemoved: def.closesWhenRemoved, propagation: def.propagation },
  };
}

/** A Toxiproxy attribute: a non-negative integer, 0 when missing. */
export function intAttribute(): z.ZodDefault<z.ZodNumber> {
  return z.number().int().min(0).default(0);
}
