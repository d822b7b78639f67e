/**
 * start() and stop() of a managed proxy racing each other: whatever the order they arrive in, the
 * proxy ends in the state the last call asked for, and a stopped proxy's port is closed (a stop
 * that arrived while a start was still binding used to leave that start's listener running).
 * An update() moving the proxy while a start() binds ends with it running at the new address.
 * Both kinds, directly on the ManagedProxy and through the HTTP API with seeded toggles.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createH2raceStarter } from '../../api/h2race-starter.js';
import type { ManagedProxy, ProxyFactory } from '../../api/managed-proxy.js';
import { H2raceMetrics } from '../../api/metrics.js';
import { createProxyFactory } from '../../api/proxy-factory.js';
import { proxyBodySchema } from '../../config/api-schema.js';
import { SeededRandom } from '../../faults/random.js';
import { startDemoOrigin, type DemoOrigin } from '../../origin/demo-origin.js';
import { silentLogger } from '../../proxy/log.js';
import { testCert } from '../helpers/tls-cert.js';
import { accepts, portOf, raw, Servers, startTestApi, unusedPort, type TestApi } from './harness.js';

let t: TestApi;
let origin: DemoOrigin;
let factory: ProxyFactory;
const servers = new Servers();
const upstreams: Record<'tcp' | 'h2race', string> = { tcp: '', h2race: '' };

beforeAll(async () => {
  const { certPath, keyPath } = await testCert();
  const startH2race = createH2raceStarter({ cert: certPath, key: keyPath, shutdownTimeoutMs: 200 });
  origin = await startDemoOrigin({ h2c: { host: '127.0.0.1', port: 0 } });
  upstreams.h2race = origin.urls.h2c!;
  upstreams.tcp = `127.0.0.1:${await servers.echo()}`;
  t = await startTestApi({ startH2race });
  factory = createProxyFactory({ logger: silentLogger(), random: new SeededRandom(1), metrics: new H2raceMetrics(), startH2race });
});
afterAll(async () => {
  await t?.close();
  await origin?.close();
  await servers.closeAll();
});

function makeProxy(kind: 'tcp' | 'h2race', name: string, listen = '127.0.0.1:0'): ManagedProxy {
  return factory(proxyBodySchema.parse({ name, kind, listen, upstream: upstreams[kind] }));
}

describe.each(['tcp', 'h2race'] as const)('a %s proxy', (kind) => {
  it('stop() while its start() is still binding: the start finishes, then the stop closes its listener', async () => {
    const proxy = makeProxy(kind, `${kind}-start-stop`);
    const started = proxy.start();
    await proxy.stop();
    await started;
    const port = portOf(proxy.toJSON().listen);
    expect(port).toBeGreaterThan(0);
    expect(proxy.enabled).toBe(false);
    expect(await accepts(port)).toBe(false);
  });

  it('update() to another address while its start() is still binding: the proxy ends running there, the first port closed', async () => {
    const [first, second] = [await unusedPort(), await unusedPort()];
    const proxy = makeProxy(kind, `${kind}-start-update`, `127.0.0.1:${first}`);
    const started = proxy.start();
    await proxy.update({ listen: `127.0.0.1:${second}` });
    await started;
    expect(proxy.enabled).toBe(true);
    expect(proxy.toJSON().listen).toBe(`127.0.0.1:${second}`);
    expect(await accepts(second)).toBe(true);
    expect(await accepts(first)).toBe(false);
    await proxy.stop();
    expect(await accepts(second)).toBe(false);
  });

  it('two start() calls at once bind one listener (on a fixed port a second bind would fail), which stop() closes', async () => {
    const port = await unusedPort();
    const proxy = makeProxy(kind, `${kind}-start-start`, `127.0.0.1:${port}`);
    await Promise.all([proxy.start(), proxy.start()]);
    expect(await accepts(port)).toBe(true);
    await proxy.stop();
    expect(await accepts(port)).toBe(false);
  });

  it('through the HTTP API: seeded toggles sent without waiting end in the last one asked for; after DELETE the port is closed', async () => {
    const random = new SeededRandom(7, kind);
    for (let round = 0; round < 5; round++) {
      const name = `${kind}-toggle-${round}`;
      const created = await raw(t.url, 'POST', '/proxies', JSON.stringify({ name, kind, listen: '127.0.0.1:0', upstream: upstreams[kind] }));
      expect(created.status, created.text).toBe(201);
      const port = portOf(JSON.parse(created.text).listen);
      const toggles = Array.from({ length: random.int(1, 6) }, () => random.next() < 0.5);
      const replies = await Promise.all(toggles.map((enabled) => raw(t.url, 'PATCH', `/proxies/${name}`, JSON.stringify({ enabled }))));
      for (const reply of replies) expect(reply.status, reply.text).toBe(200);
      const last = toggles.at(-1)!;
      expect(JSON.parse((await raw(t.url, 'GET', `/proxies/${name}`)).text).enabled).toBe(last);
      expect(await accepts(port)).toBe(last);
      const deleted = raw(t.url, 'DELETE', `/proxies/${name}`);
      if (random.next() < 0.5) await raw(t.url, 'PATCH', `/proxies/${name}`, JSON.stringify({ enabled: true }));
      expect((await deleted).status).toBe(204);
      expect(await accepts(port)).toBe(false);
    }
  });
});
