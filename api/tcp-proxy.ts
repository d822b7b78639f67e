/**
 * A plain TCP proxy with toxics: what Toxiproxy is (proxy.go).
 *
 *   client ──▶ [upstream link: toxics with stream=upstream] ──▶ upstream server
 *   client ◀── [downstream link: toxics with stream=downstream] ◀── upstream server
 *
 * Per accepted connection it dials the upstream and relays both ways through links fed by the
 * proxy's ToxicSet, so a toxic added, changed or removed reaches open connections.
 *
 * Lifecycle: the TcpProxy owns every relay it starts; BaseProxy holds its listening server while
 * running; closeListener() (what BaseProxy's stop runs) closes that server and destroys every
 * relay (that is where a connection ends when the proxy is disabled, moved or deleted). A relay also ends by itself when both sides are done.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { ProxyBody } from '../config/api-schema.js';
import type { Direction, LinkDelivery } from '../faults/link/types.js';
import type { SeededRandom } from '../faults/random.js';
import { listenOn, parseHostPort } from './listen-address.js';
import { BaseProxy } from './managed-proxy.js';
import type { TcpProxySample } from './metrics.js';
import type { ProxyFaults } from './proxy-faults.js';
import { Relay } from './tcp-relay.js';

export interface TcpProxyOptions {
  logger: Logger;
  /** Its toxics, seeded from its profile. */
  faults: ProxyFaults;
  /** The proxy's random stream; each connection forks its own. */
  random: SeededRandom;
}

export class TcpProxy extends BaseProxy<Server> {
  readonly kind = 'tcp';
  readonly runsFrameToxics = false;
  private readonly relays = new Set<Relay>();
  /** Connections still dialing their upstream: how to abort each. */
  private readonly dialing = new Set<() => void>();
  private connectionCount = 0;
  /** Byte counters of relays that have ended, so /metrics counters never go back. */
  private readonly closedBytes = new Map<string, BytesRow>();
  /** What the links of relays that have ended delivered. */
  private readonly closedDelivery: Record<Direction, LinkDelivery> = { upstream: { bytes: 0, busyMs: 0 }, downstream: { bytes: 0, busyMs: 0 } };
  private readonly logger: Logger;

  constructor(body: ProxyBody, private readonly options: TcpProxyOptions) {
    super(body, options.faults);
    this.logger = options.logger.child({ proxy: body.name });
  }

  protected async openListener(): Promise<Server> {
    const server = createServer((client) => this.accept(client));
    this.listen = await listenOn(server, this.listen);
    this.logger.info({ listen: this.listen, upstream: this.upstream }, 'Started proxy');
    return server;
  }

  protected async closeListener(server: Server): Promise<void> {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const abort of this.dialing) abort();
    for (const relay of this.relays) relay.destroy();
    await closed;
    this.logger.info('Terminated proxy');
  }

  /** Bytes the proxy's links hold now, per direction (for /metrics). */
  queuedBytes(): Record<Direction, number> {
    const total = { upstream: 0, downstream: 0 };
    for (const relay of this.relays) {
      total.upstream += relay.queuedBytes('upstream');
      total.downstream += relay.queuedBytes('downstream');
    }
    return total;
  }

  /** What its links delivered since the proxy was created, per direction (see LinkDelivery). */
  delivery(direction: Direction): LinkDelivery {
    const total = { ...this.closedDelivery[direction] };
    for (const relay of this.relays) addDelivery(total, relay.delivery(direction));
    return total;
  }

  /** Counters since the proxy was created, for /metrics (Toxiproxy labels bytes by listener and upstream). */
  sample(): TcpProxySample {
    const bytes = new Map(this.closedBytes);
    for (const relay of this.relays) addBytes(bytes, relay);
    return {
      proxy: this.name,
      connectionsTotal: this.connectionCount,
      connectionsOpen: this.relays.size,
      bytes: [...bytes.values()],
    };
  }

  private accept(client: Socket): void {
    const id = ++this.connectionCount;
    const { logger } = this;
    const labels = { listener: this.listen, upstream: this.upstream };
    let target;
    try {
      target = parseHostPort(this.upstream);
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'Unable to open connection to upstream');
      client.destroy();
      return;
    }
    // Until the relay owns them, the two sockets are this function's (and stop()'s, via `dialing`).
    const upstream = connect({ host: target.host || '127.0.0.1', port: target.port });
    const abort = () => {
      this.dialing.delete(abort);
      upstream.destroy();
      client.destroy();
    };
    this.dialing.add(abort);
    const onEarlyError = (err: Error) => {
      logger.warn({ err: err.message, client: client.remoteAddress }, 'Unable to open connection to upstream');
      abort();
    };
    upstream.once('error', onEarlyError);
    client.once('error', onEarlyError);
    upstream.once('connect', () => {
      upstream.off('error', onEarlyError);
      client.off('error', onEarlyError);
      if (client.destroyed) {
        abort();
        return;
      }
      this.dialing.delete(abort);
      const relay = new Relay({
        client,
        upstream,
        labels,
        toxics: this.toxics,
        random: this.options.random.fork(`conn-${id}`),
        logger,
      });
      this.relays.add(relay);
      relay.once('close', () => {
        this.relays.delete(relay);
        addBytes(this.closedBytes, relay);
        addDelivery(this.closedDelivery.upstream, relay.delivery('upstream'));
        addDelivery(this.closedDelivery.downstream, relay.delivery('downstream'));
      });
    });
  }
}

type BytesRow = TcpProxySample['bytes'][number];

function addDelivery(into: LinkDelivery, more: LinkDelivery): void {
  into.bytes += more.bytes;
  into.busyMs += more.busyMs;
}

/** Add a relay's byte counts into `into`, keyed by the labels Toxiproxy puts on them. */
function addBytes(into: Map<string, BytesRow>, relay: Relay): void {
  for (const direction of ['upstream', 'downstream'] as const) {
    const { received, sent } = relay.bytes(direction);
    const key = JSON.stringify([relay.labels.listener, relay.labels.upstream, direction]);
    const row = into.get(key) ?? { ...relay.labels, direction, received: 0, sent: 0 };
    into.set(key, { ...row, received: row.received + received, sent: row.sent + sent });
  }
}
