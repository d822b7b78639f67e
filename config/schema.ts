/**
 * The whole config file: one optional section per part of h2race, each owned by that part's
 * schema file. Adding a part = one import and one line in `sections`.
 */
import { z } from 'zod';
import { apiListenSchema, proxiesSectionSchema } from './api-schema.js';
import { faultsSchema } from './faults-schema.js';
import { poolSchema } from './pool-schema.js';
import { proxyFileSchema } from './proxy-schema.js';

const sections = {
  proxy: proxyFileSchema,
  pool: poolSchema,
  faults: faultsSchema,
  api: apiListenSchema,
  proxies: proxiesSectionSchema,
};

export const configSchema = z.strictObject(
  Object.fromEntries(Object.entries(sections).map(([name, schema]) => [name, schema.optional()])) as {
    [K in keyof typeof sections]: z.ZodOptional<(typeof sections)[K]>;
  },
);

export type Config = z.output<typeof configSchema>;
