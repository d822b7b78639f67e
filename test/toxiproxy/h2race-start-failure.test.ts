/**
 * An h2race proxy whose metrics refuse to observe it after it started: the started proxy is
 * closed again (its port free, no listener attached to the metrics), start() rejects with the
 * error, and the proxy can start later on the same fixed port.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { H2raceProxy } from '../../api/h2race-proxy.js';
import { createH2raceStarter } from '../../api/h2race-starter.js';
import { H2raceMetrics } from '../../api/metrics.js';
import { ProxyFaults } from '../../api/proxy-faults.js';
import { proxyBodySchema } from '../../config/api-schema.js';
import type { PoolStats } from '../../faults/pool/types.js';
import { SeededRandom } from '../../faults/random.js';
import { startDemoOrigin, type DemoOrigin } from '../../origin/demo-origin.js';
import type { ProxyEvents } from '../../proxy/events.js';
import { silentLogger } from '../../proxy/log.js';
import { testCert } from '../helpers/tls-cert.js';
import { accepts, unusedPort } from './harness.js';

/** Real metrics that throw from the named observe call while `failing` names it. */
class FailingMetrics extends H2raceMetrics {
  failing: 'observeProxy' | 'observePool' | undefined;
  /** Proxy observations attached and not detached. */
  attached = 0;

  override observeProxy(events: ProxyEvents, labels: { proxy: string }): () => void {
    if (this.failing === 'observeProxy') throw new Error('metrics refused the proxy');
    const detach = super.observeProxy(events, labels);
    this.attached++;
    return () => {
      this.attached--;
      detach();
    };
  }

  override observePool(stats: () => PoolStats, mode: string, labels?: { proxy: string }): () => void {
    if (this.failing === 'observePool') throw new Error('metrics refused the pool');
    return super.observePool(stats, mode, labels);
  }
}

let origin: DemoOrigin;
let startH2race: ReturnType<typeof createH2raceStarter>;

beforeAll(async () => {
  const { certPath, keyPath } = await testCert();
  startH2race = createH2raceStarter({ cert: certPath, key: keyPath, shutdownTimeoutMs: 200 });
  origin = await startDemoOrigin({ h2c: { host: '127.0.0.1', port: 0 } });
});
afterAll(async () => {
  await origin?.close();
});

describe.each(['observeProxy', 'observePool'] as const)('an h2race proxy whose %s throws once it started', (failing) => {
  it('closes the started proxy and rejects with the error; a later start binds the same port', async () => {
    const port = await unusedPort();
    const metrics = new FailingMetrics();
    metrics.failing = failing;
    const logger = silentLogger();
    const body = proxyBodySchema.parse({ name: `h2-${failing}`, kind: 'h2race', listen: `127.0.0.1:${port}`, upstream: origin.urls.h2c! });
    const proxy = new H2raceProxy(body, { start: startH2race, faults: new ProxyFaults(undefined, logger), random: new SeededRandom(3), logger, metrics });

    await expect(proxy.start()).rejects.toThrow(/metrics refused/);
    expect(proxy.enabled).toBe(false);
    expect(metrics.attached).toBe(0);
    expect(await accepts(port)).toBe(false);

    metrics.failing = undefined;
    await proxy.start();
    expect(proxy.enabled).toBe(true);
    expect(metrics.attached).toBe(1);
    expect(await accepts(port)).toBe(true);
    await proxy.stop();
    expect(metrics.attached).toBe(0);
    expect(await accepts(port)).toBe(false);
  });
});
