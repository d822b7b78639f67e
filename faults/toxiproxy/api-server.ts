/**
 * Toxiproxy's HTTP API (api.go, v2.12.0), route for route, status for status, so every Toxiproxy
 * client drives h2race unchanged. h2race adds GET /metrics (always on) and the h2race proxy kind.
 *
 *   request ─▶ route? (404 / 405) ─▶ Mozilla UA? (403) ─▶ handler (25 s, else 503) ─▶ JSON | error
 *
 * Every response carries X-Toxiproxy-Request-Id. Errors are `{"error":…,"status":…}\n` sent as
 * text/plain, as Go's http.Error sends them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { proxyBodySchema, proxyUpdateSchema, type ConfigProxy, type ProxyBody } from '../../config/api-schema.js';
import { SeededRandom } from '../random.js';
import type { ToxicSpec } from '../link/types.js';
import {
  ApiError,
  ErrBadRequestBody,
  ErrMissingField,
  ErrToxicNotFound,
} from './api-error.js';
import { decodeGoJson, goJsonKind } from './go-json.js';
import { listenOn } from './listen-address.js';
import { checkToxicFits, toxicJson, type ManagedProxy, type ProxyFactory, type ProxyJson } from './managed-proxy.js';
import type { H2raceStarter } from './h2race-proxy.js';
import { createH2raceStarter } from './h2race-starter.js';
import { H2raceMetrics } from './metrics.js';
import { applyConfigProxies, createProxyFactory, observeCollection } from './proxy-factory.js';
import { ProxyCollection } from './proxy-collection.js';
import { toxicFromCreateBody, toxicFromUpdateBody } from './toxic-body.js';
import type { z } from 'zod';

export const TOXIPROXY_VERSION = '2.12.0';
/** Larger bodies are refused before they are read whole (Toxiproxy has no limit; we want one). */
export const MAX_BODY_BYTES = 1 << 20;
const HANDLER_TIMEOUT_MS = 25_000;

export interface ApiServerOptions {
  /** Default 127.0.0.1 (toxiproxy-server's default is localhost). */
  host?: string;
  /** Default 8474; 0 picks a free port. */
  port?: number;
  logger: Logger;
  /** Seed of every fault decision the API's proxies make. Default 1. */
  seed?: number;
  /** Where the proxies' counters go; served on GET /metrics. Default: a fresh registry. */
  metrics?: H2raceMetrics;
  /** Proxies (with their toxics) to create before the API answers, e.g. from `--config`. */
  proxies?: readonly ConfigProxy[];
  /** Runs proxies of kind 'h2race'. Default: the real HTTP/2 proxy with generated certificates; false: TCP proxies only. */
  startH2race?: H2raceStarter | false;
  /** Makes the proxy a body describes; default: the TCP or h2race kind, per `kind`. */
  factory?: ProxyFactory;
}

export interface ApiServer {
  /** `host:port` the API listens on, e.g. `127.0.0.1:8474`. */
  readonly address: string;
  /** `http://host:port`, what toxiproxy-node-client takes. */
  readonly url: string;
  readonly proxies: ProxyCollection;
  readonly metrics: H2raceMetrics;
  /** Stop the API and every proxy it made. */
  close(): Promise<void>;
}

interface Reply {
  status: number;
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

type Handler = (req: IncomingMessage, params: string[]) => Promise<Reply>;
interface Route {
  pattern: RegExp;
  methods: Record<string, Handler>;
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { logger } = options;
  const metrics = options.metrics ?? new H2raceMetrics();
  const factory =
    options.factory ??
    createProxyFactory({ logger, metrics, random: new SeededRandom(options.seed ?? 1, 'toxiproxy'), startH2race: options.startH2race === false ? undefined : (options.startH2race ?? createH2raceStarter()) });
  const proxies = new ProxyCollection(factory);
  const detach = observeCollection(metrics, proxies);
  try {
    await applyConfigProxies(proxies, options.proxies ?? []);
  } catch (err) {
    detach();
    await proxies.close();
    throw err;
  }
  const routes = buildRoutes(proxies, logger, metrics);
  const server = createServer((req, res) => {
    handle(routes, req, res, logger).catch((err) => {
      logger.error({ err }, 'api handler failed');
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  let address: string;
  try {
    address = await listenOn(server, `${options.host ?? '127.0.0.1'}:${options.port ?? 8474}`);
  } catch (err) {
    server.close();
    detach();
    await proxies.close();
    throw err;
  }
  logger.info({ address }, 'Starting Toxiproxy HTTP server');
  return {
    address,
    url: `http://${address}`,
    proxies,
    metrics,
    async close() {
      await closeServer(server);
      detach();
      await proxies.close();
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

async function handle(routes: Route[], req: IncomingMessage, res: ServerResponse, logger: Logger): Promise<void> {
  const requestId = xid();
  res.setHeader('X-Toxiproxy-Request-Id', requestId);
  const started = Date.now();
  const reply = await dispatch(routes, req);
  if (reply.contentType) res.setHeader('Content-Type', reply.contentType);
  for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
  if (reply.body !== undefined) res.setHeader('Content-Length', Buffer.byteLength(reply.body));
  res.writeHead(reply.status).end(reply.body);
  logger.debug(
    { request_id: requestId, method: req.method, url: req.url, status: reply.status, ms: Date.now() - started },
    'api request',
  );
}

async function dispatch(routes: Route[], req: IncomingMessage): Promise<Reply> {
  const path = (req.url ?? '/').split('?')[0]!;
  for (const route of routes) {
    const m = route.pattern.exec(path);
    if (!m) continue;
    const handler = route.methods[req.method ?? ''];
    if (!handler) {
      req.resume();
      return { status: 405 };
    }
    if ((req.headers['user-agent'] ?? '').startsWith('Mozilla/')) {
      req.resume();
      return plainError('User agent not allowed', 403);
    }
    let params: string[];
    try {
      params = m.slice(1).map((p) => decodeURIComponent(p));
    } catch {
      break;
    }
    return withTimeout(handler(req, params).catch((err: unknown) => errorReply(ApiError.from(err))));
  }
  req.resume();
  return plainError('404 page not found', 404);
}

/** Go's http.TimeoutHandler with an empty message answers 503 with this page. */
function withTimeout(p: Promise<Reply>): Promise<Reply> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Reply>((resolve) => {
    timer = setTimeout(
      () => resolve({ status: 503, contentType: 'text/html; charset=utf-8', body: '<html><head><title>Timeout</title></head><body><h1>Timeout</h1></body></html>' }),
      HANDLER_TIMEOUT_MS,
    );
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Go's http.Error: text/plain, nosniff, the text and a newline. */
function plainError(text: string, status: number): Reply {
  return { status, contentType: 'text/plain; charset=utf-8', headers: { 'X-Content-Type-Options': 'nosniff' }, body: `${text}\n` };
}

function errorReply(err: ApiError): Reply {
  return plainError(JSON.stringify(err), err.status);
}

function json(value: unknown, status = 200): Reply {
  return { status, contentType: 'application/json', body: JSON.stringify(value) };
}

const noContent: Reply = { status: 204 };

/**
 * Read the body and decode it like Go's json.Decoder; a bad one is a 400. A body over the limit is
 * refused as soon as it is known to be (Content-Length, or the bytes read so far); the rest is
 * drained so the answer still reaches the client.
 */
function readJson(req: IncomingMessage): Promise<unknown> {
  const tooLarge = () => new ApiError(`request body too large (limit ${MAX_BODY_BYTES} bytes)`, 413);
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        chunks.length = 0;
        reject(tooLarge());
      } else chunks.push(chunk);
    });
    req.once('error', reject);
    req.once('end', () => {
      if (size > MAX_BODY_BYTES) return;
      const decoded = decodeGoJson(Buffer.concat(chunks).toString('utf8'));
      if (decoded.ok) resolve(decoded.value);
      else reject(ApiError.join(ErrBadRequestBody, decoded.error));
    });
  });
}

/**
 * A proxy body checked by the shared schema, its failures worded as Toxiproxy words them:
 * a wrong JSON type is a decoder error, an empty name or upstream a missing field.
 */
function proxyBodyError(error: z.ZodError, input: unknown, suffix = ''): ApiError {
  const issues = error.issues;
  const typeIssue = issues.find((i) => i.code === 'invalid_type' && valueAt(input, i.path) !== undefined);
  if (typeIssue?.code === 'invalid_type') {
    const field = typeIssue.path.map(String).join('.');
    const value = valueAt(input, typeIssue.path);
    const goType = typeIssue.expected === 'boolean' ? 'bool' : String(typeIssue.expected);
    return ApiError.join(ErrBadRequestBody, `json: cannot unmarshal ${goJsonKind(value)} into Go struct field Proxy.${field} of type ${goType}`);
  }
  if (issues.length === 1 && issues[0]!.code === 'invalid_type' && issues[0]!.path.length === 0) {
    return ApiError.join(ErrBadRequestBody, `json: cannot unmarshal ${goJsonKind(input)} into Go value of type toxiproxy.Proxy`);
  }
  for (const field of ['name', 'upstream']) {
    if (issues.some((i) => i.path[0] === field)) return ApiError.join(ErrMissingField, field + suffix);
  }
  const first = issues[0]!;
  return ApiError.join(ErrBadRequestBody, `${first.path.map(String).join('.')}: ${first.message}`);
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    const obj = v as Record<string, unknown>;
    const match = Object.keys(obj).filter((k) => k.toLowerCase() === String(key).toLowerCase()).pop();
    v = match === undefined ? undefined : obj[match];
  }
  return v;
}

function parseProxyBody(input: unknown, suffix = ''): ProxyBody {
  const parsed = proxyBodySchema.safeParse(input);
  if (!parsed.success) throw proxyBodyError(parsed.error, input, suffix);
  return parsed.data;
}

function proxyJson(proxy: ManagedProxy): ProxyJson {
  return proxy.toJSON();
}

function buildRoutes(proxies: ProxyCollection, logger: Logger, metrics: H2raceMetrics): Route[] {
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
        GET: async () => json(Object.fromEntries(proxies.list().map((p) => [p.name, proxyJson(p)]))),
        POST: async (req) => {
          const body = parseProxyBody(await readJson(req));
          return json(proxyJson(await proxies.add(body)), 201);
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
        GET: async (_req, [name]) => json(proxyJson(proxies.get(name!))),
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
        GET: async (_req, [name]) => json(proxies.get(name!).toJSON().toxics),
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
    if (req.method === 'POST') logger.warn('ProxyUpdate: HTTP method POST is deprecated. Use HTTP PATCH instead.');
    const proxy = proxies.get(name!);
    const input = await readJson(req);
    const parsed = proxyUpdateSchema.safeParse(input);
    if (!parsed.success) throw proxyBodyError(parsed.error, input);
    await proxies.exclusive(() => proxy.update(parsed.data));
    return json(proxyJson(proxy));
  }

  async function updateToxic(req: IncomingMessage, [name, toxic]: string[]): Promise<Reply> {
    if (req.method === 'POST') logger.warn('ToxicUpdate: HTTP method POST is deprecated. Use HTTP PATCH instead.');
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

function parsePopulateBody(input: unknown): ProxyBody[] {
  if (!Array.isArray(input)) {
    throw ApiError.join(ErrBadRequestBody, `json: cannot unmarshal ${goJsonKind(input)} into Go value of type []toxiproxy.Proxy`);
  }
  // Every entry is checked before any proxy is touched, as Toxiproxy does.
  return input.map((entry, i) => parseProxyBody(entry, ` at proxy ${i + 1}`));
}

/** Populate answers JSON even on failure: the error fields (if any) and the proxies applied. */
function populateReply(applied: ManagedProxy[], error?: ApiError): Reply {
  const body = {
    ...(error ? error.toJSON() : {}),
    proxies: applied.length ? applied.map(proxyJson) : null,
  };
  return json(body, error ? error.status : 201);
}

/** A 20-character request id in the shape of the xid Toxiproxy's zerolog handler makes. */
function xid(): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuv';
  const bytes = randomBytes(20);
  let out = '';
  for (const b of bytes) out += alphabet[b & 31];
  return out;
}
