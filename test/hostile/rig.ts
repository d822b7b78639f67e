/**
 * The system under attack: a real h2race proxy (TLS front, frame path + pool on every downstream
 * connection) in front of the demo origin (h2c), on ephemeral ports; plus a bystander — an
 * honest connection that must keep working, byte-exact, while another connection is attacked.
 *
 * Lifecycle: startRig() owns the origin, the proxy and every client it hands out; close() ends
 * them all (clients first, then the proxy, then the origin) and is the one place they end.
 */
import * as http2 from 'node:http2';
import type { Logger } from 'pino';
import type { EnginePath } from '../../proxy/frame-path/engine-path.js';
import type { BufferPool, PoolMode } from '../../faults/pool/types.js';
import { createDemoHandler } from '../../origin/handler.js';
import { startDemoOrigin, type DemoOrigin } from '../../origin/demo-origin.js';
import { firstVideoMismatch } from '../../origin/content.js';
import type { DemoRequest, DemoResponse } from '../../origin/types.js';
import { createProxyEvents, type ProxyEvents } from '../../proxy/events.js';
import { startH2race, type H2raceOptions, type RunningH2race } from '../../proxy/h2race.js';
import type { RunningProxy } from '../../proxy/start.js';
import { collect, connectH2, request } from '../helpers/h2-client.js';
import { testCert } from '../helpers/tls-cert.js';

export interface Rig {
  origin: DemoOrigin;
  h2race: RunningH2race;
  proxy: RunningProxy;
  /** What the proxy reports (the rig made it and handed it down). */
  events: ProxyEvents;
  pool: BufferPool;
  /** Downstream connections alive now, each with its frame path. */
  connections: ReadonlyMap<number, EnginePath>;
  /** Requests the origin has received (every upstream stream the proxy opened). */
  readonly originRequests: number;
  /** Requests the origin is serving right now. */
  readonly originActive: number;
  /** Requests for exactly `url` (path and query) the origin is serving right now. */
  originActiveOn(url: string): number;
  /** The proxy's TLS port. */
  port: number;
  /** A client session the rig closes at the end: TLS, or h2c when `h2c` (needs proxy.h2cListen). */
  client(options?: http2.SecureClientSessionOptions, h2c?: boolean): Promise<http2.ClientHttp2Session>;
  close(): Promise<void>;
}

export interface RigOptions {
  pool?: PoolMode;
  /** Proxy options over the rig's (listen, origin, test cert). */
  proxy?: Partial<H2raceOptions>;
  logger?: Logger;
  /** How the proxy reaches the demo origin: h2c (default), or https with ALPN h2 (the test cert). */
  originScheme?: 'h2c' | 'https';
  /** Wraps the demo routes (an origin that misbehaves on purpose). */
  originHandler?: (routes: (req: DemoRequest, res: DemoResponse) => void) => (req: DemoRequest, res: DemoResponse) => void;
}

export async function startRig(opts: RigOptions = {}): Promise<Rig> {
  let requests = 0;
  let active = 0;
  const activeByUrl = new Map<string, number>();
  const routes = createDemoHandler();
  const served = opts.originHandler ? opts.originHandler(routes) : routes;
  const { cert, key, certPath, keyPath } = await testCert();
  const https = opts.originScheme === 'https';
  const origin = await startDemoOrigin({
    ...(https ? { tls: { host: '127.0.0.1', port: 0 }, cert: { cert, key } } : { h2c: { host: '127.0.0.1', port: 0 } }),
    handler: (req, res) => {
      requests++;
      active++;
      const url = req.url ?? '';
      activeByUrl.set(url, (activeByUrl.get(url) ?? 0) + 1);
      res.once('close', () => {
        active--;
        activeByUrl.set(url, activeByUrl.get(url)! - 1);
      });
      served(req, res);
    },
  });
  const events = opts.proxy?.events ?? createProxyEvents();
  const h2race = await startH2race({
    listen: '127.0.0.1:0',
    origin: https ? origin.urls.tls! : origin.urls.h2c!,
    cert: certPath,
    key: keyPath,
    shutdownTimeoutMs: 1000,
    pool: { mode: opts.pool ?? 'retain' },
    logger: opts.logger,
    ...opts.proxy,
    events,
    upstream: { ...(https ? { ca: certPath } : {}), ...opts.proxy?.upstream },
  });
  const { proxy, pool } = h2race;
  const clients = new Set<http2.ClientHttp2Session>();
  return {
    origin,
    h2race,
    proxy,
    events,
    pool,
    connections: h2race.connections,
    get originRequests() {
      return requests;
    },
    get originActive() {
      return active;
    },
    originActiveOn(url) {
      return activeByUrl.get(url) ?? 0;
    },
    port: proxy.address.port,
    async client(options, h2c = false) {
      const session = await connectH2(h2c ? proxy.h2cUrl! : proxy.url, options);
      clients.add(session);
      session.once('close', () => clients.delete(session));
      return session;
    },
    async close() {
      for (const c of clients) c.destroy();
      await h2race.close();
      await origin.close();
    },
  };
}

/** GET /small?size= on `session` and checks every byte against the demo content; returns the status. */
export async function checkedGet(session: http2.ClientHttp2Session, size: number): Promise<number> {
  const res = await collect(request(session, `/small?size=${size}`));
  if (res.status !== 200) throw new Error(`GET /small?size=${size}: status ${res.status}`);
  if (res.body.length !== size) throw new Error(`GET /small?size=${size}: ${res.body.length} bytes`);
  const bad = firstVideoMismatch(res.body, 0);
  if (bad >= 0) throw new Error(`GET /small?size=${size}: byte ${bad} corrupted`);
  return res.status;
}

/**
 * A bystander: an honest connection with a paced download running across the attack. `finish()`
 * checks the download arrived whole and byte-exact and that a fresh request on the same
 * connection still works.
 */
export async function startBystander(rig: Rig, size = 256 * 1024, rate = 512 * 1024): Promise<{ finish(): Promise<void> }> {
  const session = await rig.client();
  const download = collect(request(session, `/video?size=${size}&rate=${rate}`));
  return {
    async finish() {
      const res = await download;
      if (res.status !== 200 || res.body.length !== size) {
        throw new Error(`bystander download: status ${res.status}, ${res.body.length}/${size} bytes`);
      }
      const bad = firstVideoMismatch(res.body, 0);
      if (bad >= 0) throw new Error(`bystander download: byte ${bad} corrupted`);
      await checkedGet(session, 4096);
      if (session.destroyed || session.closed) throw new Error('bystander connection closed');
    },
  };
}
