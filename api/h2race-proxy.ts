/**
 * The h2race kind of managed proxy: a TLS HTTP/2 reverse proxy (with buffer pool mode and
 * profile) that the Toxiproxy API starts, stops and shapes like a TCP proxy. Its toxics are the
 * same live ToxicSet the API edits, so Toxiproxy's toxics and h2race's frame toxics (reorder,
 * rst_delay, rst_inject) both reach its connections.
 *
 * What runs it is injected (H2raceStarter) so this file depends only on the shape of a running
 * HTTP/2 proxy, not on how it is built.
 *
 * Lifecycle: openListener() starts the running instance and hands it (with its metrics' detach) to
 * BaseProxy, which holds it while running and hands it back to closeListener(), the one place it
 * closes (dropping its connections) and its metrics detach.
 */
import type { Logger } from 'pino';
import type { ProxyBody } from '../config/api-schema.js';
import { createProxyEvents, type ProxyEvents } from '../proxy/events.js';
import type { ToxicSet } from '../faults/link/toxic-set.js';
import type { Direction } from '../faults/link/types.js';
import type { PoolMode, PoolStats } from '../faults/pool/types.js';
import type { BugModel } from '../h2/proto/bug-models/catalogue.js';
import type { SeededRandom } from '../faults/random.js';
import { BaseProxy, type ProxyJson } from './managed-proxy.js';
import type { H2raceMetrics } from './metrics.js';
import type { ProxyFaults } from './proxy-faults.js';

export interface H2raceStartOptions {
  name: string;
  /** host:port to listen on (port 0: any free port). */
  listen: string;
  /** The origin it fronts (https://, h2c:// or http:// URL). */
  upstream: string;
  pool?: PoolMode;
  bugModels?: readonly BugModel[];
  /** Live toxics for its links and frame path. */
  toxics: ToxicSet;
  random: SeededRandom;
  /** Where it reports: the H2raceProxy's own, observed by its metrics. */
  events: ProxyEvents;
  logger: Logger;
}

/**
 * What an H2raceStarter hands back: a running h2race as the API manages it (h2race-starter.ts
 * makes one from proxy/h2race.ts' RunningH2race, keeping only what the API reads).
 */
export interface H2raceHandle {
  /** The bound address, host:port. */
  readonly address: string;
  /** `https://host:port`, what clients connect to. */
  readonly url: string;
  readonly poolMode: PoolMode;
  poolStats(): PoolStats;
  /** Bytes its links (downstream frame path, upstream connections) hold now. */
  queuedBytes(): Record<Direction, number>;
  close(): Promise<void>;
}

export type H2raceStarter = (options: H2raceStartOptions) => Promise<H2raceHandle>;

export interface H2raceProxyOptions {
  start: H2raceStarter;
  /** Its toxics, seeded from its profile. */
  faults: ProxyFaults;
  random: SeededRandom;
  logger: Logger;
  metrics: H2raceMetrics;
}

/** A running h2race and the detach of its metrics: what closeListener() ends. */
interface H2raceListener {
  proxy: H2raceHandle;
  detach: () => void;
}

export class H2raceProxy extends BaseProxy<H2raceListener> {
  readonly kind = 'h2race';
  readonly runsFrameToxics = true;
  private readonly pool: PoolMode | undefined;
  private readonly bugModels: readonly BugModel[] | undefined;

  constructor(body: ProxyBody, private readonly options: H2raceProxyOptions) {
    super(body, options.faults);
    this.pool = body.pool;
    this.bugModels = body.bugModels;
  }

  protected async openListener(): Promise<H2raceListener> {
    const { metrics, logger, random } = this.options;
    const events = createProxyEvents();
    const proxy = await this.options.start({
      name: this.name,
      listen: this.listen,
      upstream: this.upstream,
      pool: this.pool,
      bugModels: this.bugModels,
      toxics: this.toxics,
      random,
      events,
      logger: logger.child({ proxy: this.name }),
    });
    let detach: () => void;
    try {
      detach = observe(metrics, events, proxy, this.name);
    } catch (err) {
      // Not yet running (BaseProxy holds it only once this returns), so no stop will close it:
      // it ends here, and start() reports why.
      await proxy.close().catch((closeErr: unknown) => logger.warn({ proxy: this.name, err: String(closeErr) }, 'closing an h2race proxy that failed to start'));
      throw err;
    }
    this.listen = proxy.address;
    return { proxy, detach };
  }

  protected async closeListener(running: H2raceListener): Promise<void> {
    // Detached however the close ends: the proxy counts as stopped either way, and a later start
    // attaches its observers anew.
    try {
      await running.proxy.close();
    } finally {
      running.detach();
    }
  }

  queuedBytes(): Record<Direction, number> {
    return this.listener?.proxy.queuedBytes() ?? { upstream: 0, downstream: 0 };
  }

  override differs(body: ProxyBody): boolean {
    return super.differs(body) || body.pool !== this.pool || String(body.bugModels ?? '') !== String(this.bugModels ?? '');
  }

  override toJSON(): ProxyJson {
    return { ...super.toJSON(), kind: 'h2race', ...(this.pool === undefined ? {} : { pool: this.pool }), ...(this.bugModels === undefined ? {} : { bugModels: [...this.bugModels] }) };
  }
}

/** Feed a started proxy's events and pool to the metrics; returns the detach (none left attached on a throw). */
function observe(metrics: H2raceMetrics, events: ProxyEvents, proxy: H2raceHandle, name: string): () => void {
  const detachEvents = metrics.observeProxy(events, { proxy: name });
  try {
    const detachPool = metrics.observePool(() => proxy.poolStats(), proxy.poolMode, { proxy: name });
    return () => {
      detachEvents();
      detachPool();
    };
  } catch (err) {
    detachEvents();
    throw err;
  }
}
