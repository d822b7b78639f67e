/**
 * Every fault h2race knows, by type name, as Toxiproxy keeps its toxics: the CLI flags, the
 * config file, profiles and the Toxiproxy API all find a fault here and nowhere else.
 *
 * A toxic module (one file per toxic in this folder) declares its attributes with a zod schema;
 * builtin.ts lists them and the composition roots register them (registerBuiltinToxics), so a
 * lookup here never depends on which module loaded first. `kind` says where it acts:
 *   - 'link'  : on bytes of one direction of a connection (faults/link runs it);
 *   - 'frame' : on HTTP/2 frames in the frame path (proxy/frame-path/engine-path.ts runs
 *               faults/toxics/frame-toxic-chain.ts on each connection).
 */
import type { z } from 'zod';
import type { ToxicSpec } from '../link/types.js';

export interface ToxicType<Attrs = Record<string, unknown>, Impl = unknown> {
  readonly type: string;
  readonly kind: 'link' | 'frame';
  /** One line for `h2race toxic types` and the README. */
  readonly summary: string;
  /** Attributes with their defaults; unknown keys are dropped (Toxiproxy ignores them). */
  readonly schema: z.ZodType<Attrs>;
  /** What runs it; the link or the frame path knows the concrete shape. */
  readonly impl: Impl;
  /**
   * Reads what the attributes name (a file) when the toxic is added, not while its attributes are
   * validated; each add reads again, so an edited file counts from the next add. What it returns
   * becomes the spec's `loaded`; a file that cannot be used is an attributeError.
   */
  load?(this: void, attributes: Attrs): unknown;
}

/**
 * A toxic request the registry or a ToxicSet refused; `field` names the attribute or key at fault
 * and `status` is the HTTP status Toxiproxy answers with (400 invalid, 404 not found, 409 exists).
 */
export class ToxicSpecError extends Error {
  constructor(message: string, readonly field?: string, readonly status: 400 | 404 | 409 = 400) {
    super(message);
    this.name = 'ToxicSpecError';
  }
}

/** A toxic's attribute at fault, named as normalizeToxic names it: `attributes.<name>: why`. */
export function attributeError(attribute: string, message: string): ToxicSpecError {
  return new ToxicSpecError(`attributes.${attribute}: ${message}`, `attributes.${attribute}`);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- one map holds every toxic; each entry's attribute and impl types are known only to that toxic's own file
const types = new Map<string, ToxicType<any, any>>();

/** Adds a toxic type; the same definition again is a no-op, another one under a taken name a bug. */
export function registerToxic<A, I>(def: ToxicType<A, I>): void {
  const known = types.get(def.type);
  if (known === def) return;
  if (known) throw new Error(`toxic type registered twice: ${def.type}`);
  types.set(def.type, def);
}

export function findToxicType(type: string): ToxicType | undefined {
  return types.get(type);
}

export function listToxicTypes(): ToxicType[] {
  return [...types.values()] as ToxicType[];
}

/**
 * Normalise a toxic as the API or a config file gives it: defaults filled in (name
 * `<type>_<stream>`, stream `downstream`, toxicity 1), attributes parsed by the type's schema.
 * Throws ToxicSpecError naming the field.
 */
export function normalizeToxic(input: {
  type?: unknown;
  name?: unknown;
  stream?: unknown;
  toxicity?: unknown;
  attributes?: unknown;
}): ToxicSpec {
  const def = typeof input.type === 'string' ? types.get(input.type) : undefined;
  if (!def) throw new ToxicSpecError('invalid toxic type', 'type');
  const stream = input.stream ?? 'downstream';
  if (stream !== 'upstream' && stream !== 'downstream') {
    throw new ToxicSpecError('stream was invalid, can be either upstream or downstream', 'stream');
  }
  const toxicity = input.toxicity ?? 1;
  if (typeof toxicity !== 'number' || !Number.isFinite(toxicity)) {
    throw new ToxicSpecError('toxicity must be a number', 'toxicity');
  }
  const parsed = def.schema.safeParse(input.attributes ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = ['attributes', ...(issue?.path ?? []).map(String)].join('.');
    throw new ToxicSpecError(`${field}: ${issue?.message ?? 'invalid'}`, field);
  }
  const name = typeof input.name === 'string' && input.name !== '' ? input.name : `${def.type}_${stream}`;
  return {
    name,
    type: def.type,
    stream,
    toxicity,
    attributes: parsed.data as Record<string, unknown>,
  };
}

/**
 * The toxic ready to run: what its type reads (load) read now. The ToxicSet calls this on each
 * add, update and replace; a spec already loaded (a schedule step's toxics, read with their
 * profile file) is kept as it is. Throws ToxicSpecError naming the attribute.
 */
export function loadToxic(spec: ToxicSpec): ToxicSpec {
  const load = types.get(spec.type)?.load;
  if (!load || spec.loaded !== undefined) return spec;
  return { ...spec, loaded: load(spec.attributes) };
}
