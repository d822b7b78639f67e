/**
 * The Toxiproxy-compatible admin server: Toxiproxy's API (api-routes.ts) over Go-shaped HTTP
 * plumbing (api-http.ts), the proxies it manages (ProxyCollection) and their metrics.
 *
 * Lifecycle: the ApiServer owns its HTTP server, its ProxyCollection (and so every proxy made
 * through it or its config) and the metrics wiring; close() ends all three.
 */
import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import type { ConfigProxy } from '../config/api-schema.js';
import { SeededRandom } from '../faults/random.js';
import { HANDLER_TIMEOUT_MS, handle, READ_TIMEOUT_MS } from './api-http.js';
import { buildRoutes } from './api-routes.js';
import type { H2raceStarter } from './h2race-proxy.js';
import { createH2raceStarter } from './h2race-starter.js';
import { listenOn } from './listen-address.js';
import type { ProxyFactory } from './managed-proxy.js';
import { H2raceMetrics } from './metrics.js';
import { applyConfigProxies, createProxyFactory, observeCollection } from './proxy-factory.js';
import { ProxyCollection } from './proxy-collection.js';

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
  /** Internal: how long a handler may take before the answer is 503 (Toxiproxy: 25 s); tests lower it. */
  handlerTimeoutMs?: number;
  /** Internal: Go's ReadTimeout, how long a request's headers and body may take to arrive (Toxiproxy: 15 s); tests lower it. */
  readTimeoutMs?: number;
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

/** Toxiproxy's http.Server IdleTimeout: a keep-alive connection waits this long for its next request. */
const IDLE_TIMEOUT_MS = 60_000;

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
  const limits = { handlerTimeoutMs: options.handlerTimeoutMs ?? HANDLER_TIMEOUT_MS, readTimeoutMs: options.readTimeoutMs ?? READ_TIMEOUT_MS };
  // Toxiproxy's http.Server: ReadTimeout bounds the headers too, IdleTimeout is 60 s.
  const serverOptions = {
    headersTimeout: limits.readTimeoutMs,
    requestTimeout: 0,
    keepAliveTimeout: IDLE_TIMEOUT_MS,
    connectionsCheckingInterval: Math.min(1000, limits.readTimeoutMs),
  };
  const server = createServer(serverOptions, (req, res) => {
    handle(routes, req, res, logger, limits).catch((err) => {
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
  let closing: Promise<void> | undefined;
  return {
    address,
    url: `http://${address}`,
    proxies,
    metrics,
    close() {
      closing ??= (async () => {
        await closeServer(server);
        detach();
        await proxies.close();
      })();
      return closing;
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
