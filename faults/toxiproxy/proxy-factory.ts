/**
 * Turns a proxy description (API body or config entry) into a running part, and wires the parts'
 * counters into the metrics. The one place that knows which kinds of proxy exist.
 */
import type { Logger } from 'pino';
import type { ConfigProxy } from '../../config/api-schema.js';
import type { SeededRandom } from '../random.js';
import { ApiError } from './api-error.js';
import type { ManagedProxy, ProxyFactory } from './managed-proxy.js';
import type { H2raceMetrics, LinkDepth } from './metrics.js';
import type { ProxyCollection } from './proxy-collection.js';
import { TcpProxy } from './tcp-proxy.js';

export interface ProxyFactoryOptions {
  logger: Logger;
  /** The API's random stream; each proxy forks its own by name. */
  random: SeededRandom;
}

export function createProxyFactory(options: ProxyFactoryOptions): ProxyFactory {
  return (body) => {
    const random = options.random.fork(`proxy-${body.name}`);
    if (body.kind === 'tcp') return new TcpProxy(body, { logger: options.logger, random });
    throw new ApiError(`proxy kind ${body.kind} is not available in this build`, 400);
  };
}

/** Create the config file's proxies, toxics included; an error names the proxy at fault. */
export async function applyConfigProxies(collection: ProxyCollection, entries: readonly ConfigProxy[]): Promise<ManagedProxy[]> {
  const made: ManagedProxy[] = [];
  for (const [i, entry] of entries.entries()) {
    try {
      const proxy = await collection.add(entry);
      proxy.toxics.replace(entry.toxics);
      made.push(proxy);
    } catch (err) {
      throw new Error(`proxies[${i}] (${entry.name}): ${(err as Error).message}`);
    }
  }
  return made;
}

/** Feed the collection's TCP proxies' counters and link depths to the metrics; returns the detach. */
export function observeCollection(metrics: H2raceMetrics, collection: ProxyCollection): () => void {
  const tcp = () => collection.list().filter((p): p is TcpProxy => p instanceof TcpProxy);
  const detachCounters = metrics.observeTcpProxies(() => tcp().map((p) => p.sample()));
  const detachLinks = metrics.observeLinks(() =>
    tcp().flatMap((p): LinkDepth[] => {
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
