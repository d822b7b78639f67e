/**
 * h2race's Prometheus metrics, served as text on the admin API's GET /metrics.
 *
 * Each running part feeds them in its own way, so each has its own observe* entry point:
 *   - an HTTP/2 proxy emits events (proxy/events.ts: stream-end, goaway, upstream sessions) → observeProxy
 *   - a buffer pool answers stats() with counters since it started                      → observePool
 *   - links answer how many bytes they hold                                               → observeLinks
 *   - the API's TCP proxies answer their byte and connection counters                     → observeTcpProxies
 * Polled sources are read when Prometheus scrapes; every observe* returns a function that
 * detaches the source (its last counter values are kept, so counters never go backwards).
 *
 * The registry is this object's own (not prom-client's global one), so two servers in one
 * process, or a test, never see each other's numbers.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { ConnectionEndRecord, GoawayRecord, ProxyEvents, StreamEndRecord } from '../proxy/events.js';
import type { Direction } from '../faults/link/types.js';
import type { PoolStats } from '../faults/pool/types.js';
import { CollateralTracker } from './collateral.js';
import { ErrorCode, errorCodeName } from '../h2/frame/constants.js';

/** One TCP proxy's counters since it was created (Toxiproxy's labels for bytes). */
export interface TcpProxySample {
  proxy: string;
  connectionsTotal: number;
  connectionsOpen: number;
  bytes: Array<{ listener: string; upstream: string; direction: Direction; received: number; sent: number }>;
}

export interface LinkDepth {
  proxy: string;
  direction: Direction;
  queuedBytes: number;
}

/** The PoolStats fields that only grow, under the names /metrics shows them. */
function poolCounters(stats: PoolStats): Array<[string, number]> {
  return [
    ['acquired', stats.acquired],
    ['reused', stats.reused],
    ['allocated', stats.allocated],
    ['allocated_bytes', stats.allocatedBytes],
    ['released', stats.released],
    ['discarded', stats.discarded],
    ['overflow', stats.overflow],
    ['races', stats.racesReusedWhilePending],
  ];
}

export class H2raceMetrics {
  readonly registry = new Registry();

  private readonly streams = new Counter({
    name: 'h2race_streams_total',
    help: 'HTTP/2 streams that ended, by outcome.',
    labelNames: ['proxy', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly cancels = new Counter({
    name: 'h2race_stream_cancels_total',
    help: 'Streams cancelled with RST_STREAM, by who cancelled: the client, the proxy (idle stream), or injected (the rst_inject toxic).',
    labelNames: ['proxy', 'by'] as const,
    registers: [this.registry],
  });
  private readonly collateral = new Counter({
    name: 'h2race_collateral_failures_total',
    help: "Streams that failed only because another stream's fault killed their connection.",
    labelNames: ['proxy'] as const,
    registers: [this.registry],
  });
  private readonly goaways = new Counter({
    name: 'h2race_goaways_total',
    help: 'GOAWAY frames, by error code, connection side and sender.',
    labelNames: ['proxy', 'code', 'side', 'sender'] as const,
    registers: [this.registry],
  });
  private readonly connectionsEnded = new Counter({
    name: 'h2race_connections_ended_total',
    help: 'Connections h2race ended on purpose (its GOAWAY first), by side and reason (flood, protocol-error, internal-error, settings-timeout, shutdown, idle).',
    labelNames: ['proxy', 'side', 'reason'] as const,
    registers: [this.registry],
  });
  private readonly sessionsOpen = new Gauge({
    name: 'h2race_upstream_sessions_open',
    help: 'Upstream (origin-side) sessions or connections open now.',
    labelNames: ['proxy'] as const,
    registers: [this.registry],
  });
  private readonly streamBytes = new Counter({
    name: 'h2race_stream_bytes_total',
    help: 'HTTP/2 body bytes per direction (upstream = client to origin).',
    labelNames: ['proxy', 'direction'] as const,
    registers: [this.registry],
  });

  private readonly pools = new Set<{ stats: () => PoolStats; mode: string; proxy: string }>();
  private readonly retiredPool = new Map<string, { mode: string; proxy: string; counter: string; value: number }>();
  private readonly linkSources = new Set<() => Iterable<LinkDepth>>();
  private readonly tcpSources = new Set<() => Iterable<TcpProxySample>>();

  /** `runtime`: also Node's process metrics (CPU, memory, event loop lag), as Toxiproxy's -runtime-metrics adds Go's. */
  constructor(options: { runtime?: boolean } = {}) {
    if (options.runtime) collectDefaultMetrics({ register: this.registry });
    const pools = this.pools;
    const retired = this.retiredPool;
    new Counter({
      name: 'h2race_pool_events_total',
      help: 'Buffer pool counters per pool mode: acquired, reused, allocated (and allocated_bytes), released, discarded, overflow, races.',
      labelNames: ['proxy', 'mode', 'counter'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const r of retired.values()) this.inc({ proxy: r.proxy, mode: r.mode, counter: r.counter }, r.value);
        for (const pool of pools) {
          for (const [counter, value] of poolCounters(pool.stats())) {
            if (value > 0) this.inc({ proxy: pool.proxy, mode: pool.mode, counter }, value);
          }
        }
      },
    });
    new Gauge({
      name: 'h2race_pool_buffers',
      help: 'Pool buffers now, by state: in_use (leased), free (in the free list).',
      labelNames: ['proxy', 'mode', 'state'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const pool of pools) {
          const stats = pool.stats();
          this.inc({ proxy: pool.proxy, mode: pool.mode, state: 'in_use' }, stats.inUse);
          this.inc({ proxy: pool.proxy, mode: pool.mode, state: 'free' }, stats.free);
        }
      },
    });
    const links = this.linkSources;
    new Gauge({
      name: 'h2race_link_queued_bytes',
      help: 'Bytes held in links (delayed, throttled or stalled by toxics), per proxy and direction.',
      labelNames: ['proxy', 'direction'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const source of links) {
          for (const l of source()) this.inc({ proxy: l.proxy, direction: l.direction }, l.queuedBytes);
        }
      },
    });
    this.tcpMetrics();
  }

  /** Toxiproxy's own names for the TCP proxies' byte counters (collectors/proxy.go), plus connections. */
  private tcpMetrics(): void {
    const sources = this.tcpSources;
    const samples = () => [...sources].flatMap((s) => [...s()]);
    const registers = [this.registry];
    const labelNames = ['direction', 'proxy', 'listener', 'upstream'] as const;
    for (const kind of ['received', 'sent'] as const) {
      new Counter({
        name: `toxiproxy_proxy_${kind}_bytes_total`,
        help: `Bytes a TCP proxy ${kind === 'received' ? 'read from' : 'wrote to'} its peers, per direction.`,
        labelNames,
        registers,
        collect() {
          this.reset();
          for (const s of samples()) {
            for (const b of s.bytes) {
              const value = b[kind];
              if (value > 0) this.inc({ direction: b.direction, proxy: s.proxy, listener: b.listener, upstream: b.upstream }, value);
            }
          }
        },
      });
    }
    new Counter({
      name: 'h2race_tcp_connections_total',
      help: 'Client connections a TCP proxy accepted.',
      labelNames: ['proxy'] as const,
      registers,
      collect() {
        this.reset();
        for (const s of samples()) if (s.connectionsTotal > 0) this.inc({ proxy: s.proxy }, s.connectionsTotal);
      },
    });
    new Gauge({
      name: 'h2race_tcp_connections_open',
      help: 'Client connections a TCP proxy holds open now.',
      labelNames: ['proxy'] as const,
      registers,
      collect() {
        this.reset();
        for (const s of samples()) this.set({ proxy: s.proxy }, s.connectionsOpen);
      },
    });
  }

  /** Count an HTTP/2 proxy's events until the returned function is called (collateral: see collateral.ts). */
  observeProxy(events: ProxyEvents, labels: { proxy: string }): () => void {
    const { proxy } = labels;
    const collateral = new CollateralTracker();
    const onStreamEnd = (e: StreamEndRecord) => {
      this.streams.inc({ proxy, outcome: e.outcome });
      if (e.outcome === 'cancelled-by-client') this.cancels.inc({ proxy, by: 'client' });
      else if (e.outcome === 'injected-cancel') this.cancels.inc({ proxy, by: 'injected' });
      else if (e.rstCode === ErrorCode.CANCEL) this.cancels.inc({ proxy, by: 'proxy' });
      else if (collateral.isCollateral(e)) this.collateral.inc({ proxy });
      if (e.bytesIn > 0) this.streamBytes.inc({ proxy, direction: 'upstream' }, e.bytesIn);
      if (e.bytesOut > 0) this.streamBytes.inc({ proxy, direction: 'downstream' }, e.bytesOut);
    };
    const onGoaway = (e: GoawayRecord) => {
      collateral.goaway(e);
      this.goaways.inc({ proxy, code: errorCodeName(e.code), side: e.side, sender: e.received ? 'peer' : 'proxy' });
    };
    const onConnectionEnd = (e: ConnectionEndRecord) => this.connectionsEnded.inc({ proxy, side: e.side, reason: e.reason });
    let open = 0;
    const onSessionOpen = () => {
      open++;
      this.sessionsOpen.inc({ proxy });
    };
    const onSessionClose = () => {
      open--;
      this.sessionsOpen.dec({ proxy });
    };
    events.on('stream-end', onStreamEnd);
    events.on('goaway', onGoaway);
    events.on('connection-end', onConnectionEnd);
    events.on('upstream-session-open', onSessionOpen);
    events.on('upstream-session-close', onSessionClose);
    return () => {
      events.off('stream-end', onStreamEnd);
      events.off('goaway', onGoaway);
      events.off('connection-end', onConnectionEnd);
      events.off('upstream-session-open', onSessionOpen);
      events.off('upstream-session-close', onSessionClose);
      // Sessions of a detached proxy are no longer watched: stop counting them as open.
      if (open !== 0) this.sessionsOpen.dec({ proxy }, open);
    };
  }

  /** Read a buffer pool's counters at each scrape; labelled by its mode (safe, unsafe, ...). */
  observePool(stats: () => PoolStats, mode: string, labels: { proxy: string } = { proxy: '' }): () => void {
    const source = { stats, mode, proxy: labels.proxy };
    this.pools.add(source);
    return () => {
      if (!this.pools.delete(source)) return;
      for (const [counter, value] of poolCounters(stats())) {
        const key = JSON.stringify([source.proxy, mode, counter]);
        const prev = this.retiredPool.get(key);
        this.retiredPool.set(key, { mode, proxy: source.proxy, counter, value: (prev?.value ?? 0) + value });
      }
    };
  }

  observeLinks(depths: () => Iterable<LinkDepth>): () => void {
    this.linkSources.add(depths);
    return () => void this.linkSources.delete(depths);
  }

  /** Read the TCP proxies' byte and connection counters at each scrape. */
  observeTcpProxies(samples: () => Iterable<TcpProxySample>): () => void {
    this.tcpSources.add(samples);
    return () => void this.tcpSources.delete(samples);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
