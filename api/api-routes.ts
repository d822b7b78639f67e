/**
 * Toxiproxy's routes (api.go, v2.12.0), handler for handler, status for status, so every
 * Toxiproxy client drives h2race unchanged; plus GET /metrics, which h2race always serves.
 */
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { proxyUpdateSchema, type ProxyBody } from '../config/api-schema.js';
import type { ToxicSpec } from '../faults/link/types.js';
import { ApiError, ErrToxicNotFound } from './api-error.js';
import { json, noContent, readJson, type Reply, type Route } from './api-http.js';
import { checkToxicFits, toxicJson, toxicsForApi, type ManagedProxy } from './managed-proxy.js';
import type { H2raceMetrics } from './metrics.js';
import type { ProxyCollection } from './proxy-collection.js';
import { parsePopulateBody, parseProxyBody, proxyBodyError } from './proxy-body.js';
import { toxicFromCreateBody, toxicFromUpdateBody } from './toxic-body.js';

const TOXIPROXY_VERSION = '2.12.0';

export function buildRoutes(proxies: ProxyCollection, logger: Logger, metrics: H2raceMetrics): Route[] {
  const toxicNames = (proxy: ManagedProxy) => (name: string) => proxy.toxics.get(name) !== undefined;
  const routes: Route[] = [
    {
      pattern: /^\/reset$/,
      methods: {
        POST: async () => {
          await proxies.reset();
          return noContent;
        },
      },
    },
    {
      pattern: /^\/proxies$/,
      methods: {
        GET: async () => json(Object.fromEntries(proxies.list().map((p) => [p.name, p.toJSON()]))),
        POST: async (req) => {
          const body = parseProxyBody(await readJson(req));
          return json((await proxies.add(body)).toJSON(), 201);
        },
      },
    },
    {
      pattern: /^\/populate$/,
      methods: {
        POST: async (req) => {
          let bodies: ProxyBody[];
          try {
            bodies = parsePopulateBody(await readJson(req));
          } catch (err) {
            return populateReply([], ApiError.from(err));
          }
          const result = await proxies.populate(bodies);
          if (result.error) logger.warn({ err: result.error.message }, 'Populate errors');
          return populateReply(result.proxies, result.error);
        },
      },
    },
    {
      pattern: /^\/proxies\/([^/]+)$/,
      methods: {
        GET: async (_req, [name]) => json(proxies.get(name!).toJSON()),
        POST: updateProxy,
        PATCH: updateProxy,
        DELETE: async (_req, [name]) => {
          await proxies.remove(name!);
          return noContent;
        },
      },
    },
    {
      pattern: /^\/proxies\/([^/]+)\/toxics$/,
      methods: {
        GET: async (_req, [name]) => json(toxicsForApi(proxies.get(name!).toxics)),
        POST: async (req, [name]) => {
          const proxy = proxies.get(name!);
          const spec = toxicFromCreateBody(await readJson(req), toxicNames(proxy));
          checkToxicFits(proxy, spec);
          return json(toxicJson(proxy.toxics.add(spec)));
        },
      },
    },
    {
      pattern: /^\/proxies\/([^/]+)\/toxics\/([^/]+)$/,
      methods: {
        GET: async (_req, [name, toxic]) => json(toxicJson(findToxic(proxies.get(name!), toxic!))),
        POST: updateToxic,
        PATCH: updateToxic,
        DELETE: async (_req, [name, toxic]) => {
          const proxy = proxies.get(name!);
          findToxic(proxy, toxic!);
          proxy.toxics.remove(toxic!);
          return noContent;
        },
      },
    },
    {
      pattern: /^\/version$/,
      methods: {
        GET: async () => ({
          status: 200,
          contentType: 'application/json;charset=utf-8',
          body: `{"version": "${TOXIPROXY_VERSION}"}\n`,
        }),
      },
    },
  ];
  // Toxiproxy serves /metrics only when asked to; h2race always does.
  routes.push({
    pattern: /^\/metrics$/,
    methods: {
      GET: async () => {
        const m = await metrics.render();
        return { status: 200, contentType: m.contentType, body: m.body };
      },
    },
  });
  return routes;

  async function updateProxy(req: IncomingMessage, [name]: string[]): Promise<Reply> {
    // Toxiproxy warns here; toxiproxy-node-client only ever POSTs, so h2race keeps it to debug.
    if (req.method === 'POST') logger.debug('ProxyUpdate: HTTP method POST is deprecated. Use HTTP PATCH instead.');
    const proxy = proxies.get(name!);
    const input = await readJson(req);
    const parsed = proxyUpdateSchema.safeParse(input);
    if (!parsed.success) throw proxyBodyError(parsed.error, input);
    await proxies.update(proxy, parsed.data);
    return json(proxy.toJSON());
  }

  async function updateToxic(req: IncomingMessage, [name, toxic]: string[]): Promise<Reply> {
    if (req.method === 'POST') logger.debug('ToxicUpdate: HTTP method POST is deprecated. Use HTTP PATCH instead.');
    const proxy = proxies.get(name!);
    const current = findToxic(proxy, toxic!);
    const spec = toxicFromUpdateBody(await readJson(req), current);
    return json(toxicJson(proxy.toxics.update(current.name, spec)));
  }
}

function findToxic(proxy: ManagedProxy, name: string): ToxicSpec {
  const spec = proxy.toxics.get(name);
  if (!spec) throw ErrToxicNotFound;
  return spec;
}

/** Populate answers JSON even on failure: the error fields (if any) and the proxies applied. */
function populateReply(applied: ManagedProxy[], error?: ApiError): Reply {
  const body = {
    ...(error ? error.toJSON() : {}),
    proxies: applied.length ? applied.map((p) => p.toJSON()) : null,
  };
  return json(body, error ? error.status : 201);
}
