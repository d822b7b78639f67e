/**
 * One proxy's ordered toxic list, both directions, as Toxiproxy keeps it. The API, profiles and
 * schedules edit it; every live link of the proxy listens for 'change' and rebuilds its chain,
 * so a change reaches open connections. Names are unique across both directions. A single
 * add, update or remove says which it was, so a link can restart exactly the stages Toxiproxy
 * restarts (and so re-rolls their toxicity).
 */
import { EventEmitter } from 'node:events';
import { findToxicType, normalizeToxic, ToxicSpecError } from '../toxics/registry.js';
import '../toxics/all.js';
import type { Direction, ToxicSpec } from './types.js';

export interface ToxicInput {
  type?: unknown;
  name?: unknown;
  stream?: unknown;
  toxicity?: unknown;
  attributes?: unknown;
}

/** One API-style edit of a live set; absent for a reset or a whole-list replace. */
export interface ToxicEdit {
  op: 'add' | 'update' | 'remove';
  name: string;
}

export interface ToxicSetEvents {
  change: [toxics: readonly ToxicSpec[], edit?: ToxicEdit];
}

export class ToxicSet extends EventEmitter<ToxicSetEvents> {
  private toxics: ToxicSpec[] = [];

  constructor(initial: readonly ToxicInput[] = []) {
    super();
    // Every open connection's links listen here.
    this.setMaxListeners(0);
    if (initial.length > 0) this.replace(initial);
  }

  /** Copies, in creation order; only one direction if given. */
  list(direction?: Direction): ToxicSpec[] {
    return this.toxics.filter((t) => direction === undefined || t.stream === direction).map(copy);
  }

  get(name: string): ToxicSpec | undefined {
    const found = this.toxics.find((t) => t.name === name);
    return found && copy(found);
  }

  add(input: ToxicInput): ToxicSpec {
    const spec = normalizeToxic(input);
    if (this.toxics.some((t) => t.name === spec.name)) {
      throw new ToxicSpecError('toxic already exists', 'name', 409);
    }
    this.toxics.push(spec);
    this.changed({ op: 'add', name: spec.name });
    return copy(spec);
  }

  /** Toxiproxy's update: attributes merged onto the current ones, toxicity kept if omitted;
   * name, type and stream cannot change. */
  update(name: string, input: { attributes?: unknown; toxicity?: unknown }): ToxicSpec {
    const index = this.indexOf(name);
    const current = this.toxics[index]!;
    if (input.attributes !== undefined && (typeof input.attributes !== 'object' || input.attributes === null)) {
      throw new ToxicSpecError('attributes must be an object', 'attributes');
    }
    const spec = normalizeToxic({
      type: current.type,
      name: current.name,
      stream: current.stream,
      toxicity: input.toxicity ?? current.toxicity,
      attributes: { ...current.attributes, ...(input.attributes) },
    });
    this.toxics[index] = spec;
    this.changed({ op: 'update', name });
    return copy(spec);
  }

  remove(name: string): void {
    this.toxics.splice(this.indexOf(name), 1);
    this.changed({ op: 'remove', name });
  }

  reset(): void {
    if (this.toxics.length === 0) return;
    this.toxics = [];
    this.changed();
  }

  /** Swap the whole list at once (a profile or a schedule step): all valid or nothing changes. */
  replace(inputs: readonly ToxicInput[]): void {
    const specs = inputs.map((input) => normalizeToxic(input));
    const seen = new Set<string>();
    for (const spec of specs) {
      if (seen.has(spec.name)) throw new ToxicSpecError(`toxic already exists: ${spec.name}`, 'name', 409);
      seen.add(spec.name);
    }
    this.toxics = specs;
    this.changed();
  }

  private indexOf(name: string): number {
    const index = this.toxics.findIndex((t) => t.name === name);
    if (index < 0) throw new ToxicSpecError('toxic not found', 'name', 404);
    return index;
  }

  private changed(edit?: ToxicEdit): void {
    this.emit('change', this.list(), edit);
  }
}

/**
 * Run `apply` with a toxic source's list now and, for a live set, on every change (with the edit
 * that made it, if one did); returns the unsubscribe that the follower calls where its lifecycle
 * ends (a fixed list needs none).
 */
export function followToxics(
  source: ToxicSet | readonly ToxicSpec[],
  apply: (toxics: readonly ToxicSpec[], edit?: ToxicEdit) => void,
): () => void {
  if (!(source instanceof ToxicSet)) {
    apply(source);
    return () => {};
  }
  source.on('change', apply);
  apply(source.list());
  return () => source.off('change', apply);
}

/** The link-kind toxics of one direction, as a link runs them. */
export function linkToxicsOf(toxics: readonly ToxicSpec[], direction: Direction): ToxicSpec[] {
  return toxics.filter((t) => t.stream === direction && findToxicType(t.type)?.kind === 'link');
}

function copy(spec: ToxicSpec): ToxicSpec {
  return { ...spec, attributes: { ...spec.attributes } };
}
