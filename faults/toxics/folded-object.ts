/**
 * Objects read the way Toxiproxy's Go server reads JSON into structs: keys match fields
 * case-insensitively and unknown keys are dropped. API bodies, config files and profile files
 * all read toxics (and the API reads proxies) this way.
 */
import { z } from 'zod';

/**
 * Map an object's keys onto `fields` case-insensitively, as encoding/json matches struct fields;
 * keys matching no field are dropped. When two keys match one field the later one wins, as in Go;
 * a null is dropped too, since Go leaves a field's current value alone when it reads null.
 */
export function foldKeys(obj: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const byLower = new Map(fields.map((f) => [f.toLowerCase(), f]));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    const field = byLower.get(k.toLowerCase());
    if (field !== undefined && v !== null) out[field] = v;
  }
  return out;
}

/** A z.object whose input keys are folded onto its fields case-insensitively. */
export function foldedObject<S extends z.ZodRawShape>(shape: S) {
  const fields = Object.keys(shape);
  return z.preprocess(
    (v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? foldKeys(v as Record<string, unknown>, fields) : v),
    z.object(shape),
  );
}
