/**
 * The bug models a proxy's engine connections run with (`--bug-model`, config `proxy.bugModels`,
 * the API's `bugModels`): names from the catalogue (h2/proto/bug-models/catalogue.ts). A model
 * acts on the side where its report had it: the front (server role) and, once the upstream runs
 * on the engine, the upstream connections (client role).
 */
import { z } from 'zod';
import { BUG_MODELS, bugModelOptions } from '../h2/proto/bug-models/catalogue.js';

export const bugModelsSchema = z
  .array(z.enum(BUG_MODELS))
  .default([])
  .superRefine((models, ctx) => {
    try {
      bugModelOptions(models);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  });
