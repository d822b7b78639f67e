/**
 * Turns a proxy description (API body or config entry) into a running part, and wires the parts'
 * counters into the metrics. The one place that knows which kinds of proxy exist.
 */
import type { Logger } from 'pino';
import type { ConfigProxy } from '../config/api-schema.js';
import type { SeededRandom } from '../faults/random.js';
import { ApiError, ErrBadRequestBody } from './api-error.js';
import { H2raceProxy, type H2raceStarter } from './h2race-proxy.js';
import { checkToxicFits, type ManagedProxy, type ProxyFactory } from './managed-proxy.js';
import type { H2raceMetrics, LinkDepth } from './metrics.js';
import type { ProxyCollection } from './proxy-collection.js';
import { ProxyFaults } from './proxy-faults.js';
import { TcpProxy } from './tcp-proxy.js';

export interface ProxyFactoryOptions {
  logger: Logger;
  /** The API's random stream; each proxy forks its own by name. */
  random: SeededRandom;
  metrics: H2raceMetrics;
  /** Runs the h2race kind; without it only TCP proxies can be made. */
  startH2race?: H2raceStarter;
}

export function createProxyFactory(options: ProxyFactoryOptions): ProxyFactory {
  return (body) => {
    const random = options.random.fork(`proxy-${body.name}`);
    const faults = new ProxyFaults(body.profile, options.logger.child({ proxy: body.name }));
    if (body.kind === 'tcp') return new TcpProxy(body, { logger: options.logger, random, faults });
    if (!options.startH2race) throw ApiError.join(ErrBadRequestBody, 'kind: h2race proxies are not available in this server');
    return new H2raceProxy(body, { start: options.startH2race, faults, random, logger: options.logger, metrics: options.metrics });
  };
}

/** Create the config file's proxies, toxics included; an error names the proxy at fault. */
export async function applyConfigProxies(collection: ProxyCollection, entries: readonly ConfigProxy[]): Promise<ManagedProxy[]> {
  const made: ManagedProxy[] = [];
  for (const [i, entry] of entries.entries()) {
    try {
      const proxy = await collection.add(entry);
      // After the profile's toxics, in the file's order.
      for (const toxic of entry.toxics) {
        checkToxicFits(proxy, toxic);
        proxy.toxics.add(toxic);
      }
      made.push(proxy);
    } catch (err) {
      throw new Error(`proxies[${i}] (${entry.name}): ${(err as Error).message}`, { cause: err });
    }
  }
  return made;
}

/** Feed the collection's TCP proxies' counters and every proxy's link depth to the metrics; returns the detach. */
export function observeCollection(metrics: H2raceMetrics, collection: ProxyCollection): () => void {
  const detachCounters = metrics.observeTcpProxies(() =>
    collection
      .list()
      .filter((p): p is TcpProxy => p instanceof TcpProxy)
      .map((p) => p.sample()),
  );
  const detachLinks = metrics.observeLinks(() =>
    collection.list().flatMap((p): LinkDepth[] => {
      const q = p.queuedBytes();
      return [
        { proxy: p.name, direction: 'upstream', queuedBytes: q.upstream },
        { proxy: p.name, direction: 'downstream', queuedBytes: q.downstream },
      ];
    }),
  );
  return () => {
    detachCounters();
    detachLinks();
  };
}
