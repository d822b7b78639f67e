/**
 * A toxic as the API, the config file and profile files give it. It lives with the toxics, below
 * config/ and profiles/, so both read it without importing each other.
 */
import { z } from 'zod';
import type { ToxicSpec } from '../link/types.js';
import { foldedObject } from './folded-object.js';
import { normalizeToxic, ToxicSpecError } from './registry.js';

const toxicFields = {
  name: z.string().optional(),
  type: z.string(),
  stream: z.string().optional(),
  toxicity: z.number().optional(),
  attributes: z.record(z.string(), z.unknown()).optional(),
} satisfies z.ZodRawShape;

/** A toxic as the API and the config file give it, checked and filled in by the toxic registry. */
export const toxicEntrySchema = foldedObject(toxicFields).transform((input, ctx): ToxicSpec => {
  try {
    return normalizeToxic(input);
  } catch (err) {
    if (!(err instanceof ToxicSpecError)) throw err;
    const path = (err.field ?? 'type').split('.');
    // The registry's message already starts with the attribute path; keep just the cause.
    const message = err.message.replace(/^attributes\.[^:]*: /, '');
    ctx.addIssue({ code: 'custom', message, path });
    return z.NEVER;
  }
});
