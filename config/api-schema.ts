/**
 * The Toxiproxy-compatible API's settings: its listen address, and the proxies (with toxics)
 * it manages. ONE schema serves both the API bodies (POST /proxies, /populate, PATCH) and the
 * config file's `proxies:` list, so what one accepts the other accepts.
 *
 * Keys match case-insensitively and unknown keys are dropped, as Toxiproxy's Go decoder does.
 */
import { z } from 'zod';
import { foldedObject } from '../faults/toxics/folded-object.js';
import { toxicEntrySchema } from '../faults/toxics/toxic-entry-schema.js';
// Toxic types register themselves on import; a config file's toxics are checked against them.
import '../faults/toxics/all.js';
import { POOL_MODES } from '../faults/pool/types.js';
import { BUG_MODELS } from '../h2/proto/bug-models/catalogue.js';

const DEFAULT_LISTEN = '127.0.0.1:0';

/** A string that must be there and not be empty: both say `required`. */
const requiredString = () =>
  z.string({ error: (issue) => (issue.input === undefined ? 'required' : undefined) }).min(1, 'required');

/** Fields a proxy has in the API (Toxiproxy's four plus h2race's own). */
export const proxyFields = {
  name: requiredString(),
  // Toxiproxy listens on every interface when `listen` is empty; h2race stays on loopback.
  listen: z.string().default(DEFAULT_LISTEN),
  upstream: requiredString(),
  enabled: z.boolean().default(true),
  /** 'tcp' is what Toxiproxy is; 'h2race' is the TLS HTTP/2 proxy with pool mode and profile. */
  kind: z.enum(['tcp', 'h2race']).default('tcp'),
  /** h2race kind only: the buffer pool mode of the proxy. */
  pool: z.enum(POOL_MODES).optional(),
  /** h2race kind only: the bug models of its engine connections (README, "The catalogue"). */
  bugModels: z.array(z.enum(BUG_MODELS)).optional(),
  /** A network preset (`3g`, `wifi`, ...) or a profile file: the proxy's toxics start from it. */
  profile: z.string().min(1).optional(),
} satisfies z.ZodRawShape;

/** Body of POST /proxies and one element of POST /populate. */
export const proxyBodySchema = foldedObject(proxyFields);
export type ProxyBody = z.infer<typeof proxyBodySchema>;

/** Body of PATCH /proxies/{name}: every field optional, absent ones keep the proxy's value. */
export const proxyUpdateSchema = foldedObject({
  listen: z.string().optional(),
  upstream: z.string().min(1, 'required').optional(),
  enabled: z.boolean().optional(),
});
export type ProxyUpdate = z.infer<typeof proxyUpdateSchema>;

/** A proxy in the config file: the API's fields plus its toxics in chain order. */
export const configProxySchema = foldedObject({
  ...proxyFields,
  toxics: z.array(toxicEntrySchema).default([]),
});
export type ConfigProxy = z.infer<typeof configProxySchema>;

/** The admin API's own listen address (`h2race server --host --port`). */
export const apiListenSchema = foldedObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8474),
});

/** The config file's `proxies:` section: proxies the API starts with, names unique. */
export const proxiesSectionSchema = z.array(configProxySchema).superRefine((proxies, ctx) => {
  const seen = new Set<string>();
  for (const [i, p] of proxies.entries()) {
    if (seen.has(p.name)) ctx.addIssue({ code: 'custom', message: `proxy name ${p.name} used twice`, path: [i, 'name'] });
    seen.add(p.name);
  }
});
