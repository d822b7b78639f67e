/**
 * HTTP/2 frame faults as a user states them — `reorder`, `rstDelay`, `rstInject` in the config
 * file and in profile steps, `--reorder`, `--rst-delay`, `--rst-inject` on the command line —
 * and their expansion into the frame toxics (faults/toxics/{reorder,rst-delay,rst-inject}.ts),
 * on the downstream side, where the frame path runs them. The toxics' own attribute schemas
 * decide the ranges, so a value the CLI takes is one the Toxiproxy API takes.
 *
 * One text form for flags and config (the config file also takes the attributes as an object):
 *   reorder    <window>[:<probability>]            8, 8:0.3, 8:30%
 *   rstDelay   <duration>                          50ms, 1s
 *   rstInject  <path>[@<after>][:<probability>]    /video, /video@300ms, /video@1s:50%, /^\/v\/\d+$/
 * A path is a prefix or a /regex/; in the text form a tail `@…` or `:…` without a slash is read as
 * `after` or `probability` (a path holding those goes in the object form).
 */
import { z } from 'zod';
import type { ToxicSpec } from '../link/types.js';
import { reorderToxic } from '../toxics/reorder.js';
import { normalizeToxic } from '../toxics/registry.js';
import { rstDelayToxic } from '../toxics/rst-delay.js';
import { rstInjectToxic } from '../toxics/rst-inject.js';
import { parseDuration, parseProbability, UnitError, unitSchema } from './units.js';

export interface ReorderFault {
  /** Frames that may overtake a held DATA frame. */
  window: number;
  /** Chance each DATA frame is held (the toxic's default when absent). */
  probability?: number;
}

export interface RstInjectFault {
  /** A :path prefix, or a /regex/. */
  path: string;
  /** ms from the response start to the cancel. */
  after?: number;
  probability?: number;
}

export interface FrameFaults {
  reorder?: ReorderFault;
  /** ms each client RST_STREAM is held before the server session sees it. */
  rstDelay?: number;
  rstInject?: RstInjectFault;
}

type Ctx = z.RefinementCtx;

/** The toxic's schema judges the attributes; its issues keep their field path. */
function checkedBy<A>(schema: z.ZodType, attrsOf: (value: A) => unknown, pathOf: (path: PropertyKey[]) => PropertyKey[]) {
  return (value: A, ctx: Ctx): void => {
    const result = schema.safeParse(attrsOf(value));
    if (result.success) return;
    for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: pathOf(issue.path) });
  };
}

/** The text form, split into the object form's fields (units are parsed by the object schema). */
function textForm(split: (text: string) => Record<string, string | number | undefined> | undefined, grammar: string) {
  return (value: unknown, ctx: Ctx): unknown => {
    if (typeof value !== 'string' && typeof value !== 'number') return value;
    const fields = split(String(value).trim());
    if (fields) return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not ${grammar}` });
    return z.NEVER;
  };
}

const reorderField = z.preprocess(
  textForm((text) => {
    const m = /^(\d+)(?::(.+))?$/.exec(text);
    return m ? { window: Number(m[1]), probability: m[2] } : undefined;
  }, '<window>[:<probability>] (e.g. 8 or 8:0.3)'),
  z
    .strictObject({ window: z.number(), probability: unitSchema(parseProbability).optional() })
    .superRefine(checkedBy(reorderToxic.schema, (v) => v, (path) => path)),
);

const rstDelayField = unitSchema(parseDuration).superRefine(
  checkedBy(rstDelayToxic.schema, (delay: number) => ({ delay }), () => []),
);

const rstInjectField = z.preprocess(
  textForm((text) => {
    const m = /^(.+?)(?:@([^@:/]+))?(?::([^@:/]+))?$/.exec(text);
    return m ? { path: m[1], after: m[2], probability: m[3] } : undefined;
  }, '<path>[@<after>][:<probability>] (e.g. /video@300ms:0.5)'),
  z
    .strictObject({
      path: z.string(),
      after: unitSchema(parseDuration).optional(),
      probability: unitSchema(parseProbability).optional(),
    })
    .superRefine(checkedBy(rstInjectToxic.schema, (v) => v, (path) => path)),
);

/** The config file's (and a profile step's) frame-fault fields. */
export const frameFaultFields = {
  reorder: reorderField.optional(),
  rstDelay: rstDelayField.optional(),
  rstInject: rstInjectField.optional(),
};

/** The flags' parsers: the config field's schema; a bad value is a UnitError naming the attribute. */
export const parseReorder = (value: string | number): ReorderFault => parseWith<z.ZodType<ReorderFault>>(reorderField, value);
export const parseRstDelay = (value: string | number): number => parseWith(rstDelayField, value);
export const parseRstInject = (value: string | number): RstInjectFault => parseWith<z.ZodType<RstInjectFault>>(rstInjectField, value);

function parseWith<S extends z.ZodType>(schema: S, value: string | number): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new UnitError(`${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`);
}

/** The frame toxics for these faults, named as the registry names them (a raw toxic of that name replaces one). */
export function frameFaultsToToxics(faults: FrameFaults): ToxicSpec[] {
  const toxics: ToxicSpec[] = [];
  const add = (type: string, attributes: object) => toxics.push(normalizeToxic({ type, stream: 'downstream', attributes }));
  if (faults.reorder) add(reorderToxic.type, faults.reorder);
  if (faults.rstDelay) add(rstDelayToxic.type, { delay: faults.rstDelay });
  if (faults.rstInject) add(rstInjectToxic.type, faults.rstInject);
  return toxics;
}
