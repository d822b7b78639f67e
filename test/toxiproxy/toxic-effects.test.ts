/**
 * Each Toxiproxy toxic, added through toxiproxy-node-client to a TCP proxy, has its effect on real
 * traffic (echo and sender servers on 127.0.0.1), and removing it restores the link.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Proxy } from 'toxiproxy-node-client';
import { exchange, portOf, Servers, startTestApi, type TestApi } from './harness.js';

let t: TestApi;
const servers = new Servers();
let echo: Proxy;
let sender: Proxy;
const SENT = 150_000;

beforeAll(async () => {
  t = await startTestApi();
  echo = await t.client.createProxy({ name: 'echo', listen: '127.0.0.1:0', upstream: `127.0.0.1:${await servers.echo()}` });
  sender = await t.client.createProxy({ name: 'sender', listen: '127.0.0.1:0', upstream: `127.0.0.1:${await servers.sender(SENT)}` });
  // Warm the path (first connection, JIT) so timings below measure toxics only.
  await echoOnce();
});
afterAll(async () => {
  await t.close();
  await servers.closeAll();
});

const payload = Buffer.alloc(2000, 'p');
const echoOnce = () => exchange(portOf(echo.listen), payload, { until: payload.length, deadlineMs: 4000 });
const fetchAll = (deadlineMs = 6000) => exchange(portOf(sender.listen), 'go', { deadlineMs });

/**
 * A clean link: the echo comes back whole and fast. Loopback answers in a few ms; 400 ms leaves
 * room for a loaded CI machine, and every delay toxic below is well above it.
 */
const CLEAN_MS = 400;
async function expectRestored(): Promise<void> {
  const r = await echoOnce();
  expect(r.data.equals(payload)).toBe(true);
  expect(r.endedAt).toBeLessThan(CLEAN_MS);
}

describe('toxic effects on a TCP proxy', () => {
  it('a clean proxy relays both ways', async () => {
    await expectRestored();
    const r = await fetchAll();
    expect(r.data.length).toBe(SENT);
    expect(r.ended).toBe('end');
  });

  it('latency delays each direction by its amount', async () => {
    const toxic = await echo.addToxic({ name: 'lat', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 400, jitter: 0 } });
    const up = await echo.addToxic({ name: 'lat-up', type: 'latency', stream: 'upstream', toxicity: 1, attributes: { latency: 300, jitter: 0 } });
    const r = await echoOnce();
    expect(r.data.equals(payload)).toBe(true);
    expect(r.arrivals[0]!.at).toBeGreaterThanOrEqual(690);
    await toxic.remove();
    await up.remove();
    await expectRestored();
  });

  it('bandwidth caps the rate (KB/s)', async () => {
    const toxic = await sender.addToxic({ name: 'bw', type: 'bandwidth', stream: 'downstream', toxicity: 1, attributes: { rate: 100 } });
    const r = await fetchAll();
    expect(r.data.length).toBe(SENT);
    // 150 kB at 100 kB/s takes 1.5 s; the first 100 ms slice may go at once.
    expect(r.endedAt).toBeGreaterThanOrEqual(1300);
    await toxic.remove();
    const fast = await fetchAll();
    expect(fast.data.length).toBe(SENT);
    expect(fast.endedAt).toBeLessThan(1000);
  });

  it('timeout 0 stalls the data; a timeout closes the connection without data', async () => {
    const toxic = await echo.addToxic({ name: 'to', type: 'timeout', stream: 'upstream', toxicity: 1, attributes: { timeout: 0 } });
    const stalled = await exchange(portOf(echo.listen), payload, { deadlineMs: 700 });
    expect(stalled.data.length).toBe(0);
    expect(stalled.ended).toBe('open');
    await toxic.update({ ...toxic.toJson(), attributes: { timeout: 300 } });
    const closed = await exchange(portOf(echo.listen), payload, { deadlineMs: 3000 });
    expect(closed.data.length).toBe(0);
    expect(closed.ended).not.toBe('open');
    expect(closed.endedAt).toBeGreaterThanOrEqual(250);
    await toxic.remove();
    await expectRestored();
  });

  it('reset_peer resets the connection after its timeout', async () => {
    const toxic = await echo.addToxic({ name: 'rp', type: 'reset_peer', stream: 'downstream', toxicity: 1, attributes: { timeout: 200 } as never });
    const r = await exchange(portOf(echo.listen), payload, { deadlineMs: 3000 });
    expect(r.ended).toBe('reset');
    expect(r.endedAt).toBeGreaterThanOrEqual(150);
    await toxic.remove();
    await expectRestored();
  });

  it('limit_data closes the connection after that many bytes', async () => {
    const toxic = await sender.addToxic({ name: 'ld', type: 'limit_data', stream: 'downstream', toxicity: 1, attributes: { bytes: 10_000 } as never });
    const r = await fetchAll();
    expect(r.data.length).toBe(10_000);
    expect(r.ended).not.toBe('open');
    await toxic.remove();
    expect((await fetchAll()).data.length).toBe(SENT);
  });

  it('slicer cuts the data into small delayed pieces', async () => {
    const toxic = await echo.addToxic({ name: 'sl', type: 'slicer', stream: 'downstream', toxicity: 1, attributes: { average_size: 100, size_variation: 0, delay: 20_000 } });
    const r = await echoOnce();
    expect(r.data.equals(payload)).toBe(true);
    // 20 slices 20 ms apart: the last byte comes >= 19 gaps after the first, in many reads.
    expect(r.arrivals.length).toBeGreaterThanOrEqual(5);
    expect(r.arrivals.at(-1)!.at - r.arrivals[0]!.at).toBeGreaterThanOrEqual(300);
    await toxic.remove();
    await expectRestored();
  });

  it('slow_close holds the close after the data', async () => {
    const toxic = await sender.addToxic({ name: 'sc', type: 'slow_close', stream: 'downstream', toxicity: 1, attributes: { delay: 700 } });
    const r = await fetchAll();
    expect(r.data.length).toBe(SENT);
    expect(r.ended).toBe('end');
    expect(r.endedAt - r.arrivals.at(-1)!.at).toBeGreaterThanOrEqual(600);
    await toxic.remove();
    const quick = await fetchAll();
    expect(quick.endedAt - quick.arrivals.at(-1)!.at).toBeLessThan(CLEAN_MS);
  });

  it('toxicity 0 never fires', async () => {
    const toxic = await echo.addToxic({ name: 'never', type: 'latency', stream: 'downstream', toxicity: 0, attributes: { latency: 1000, jitter: 0 } });
    for (let i = 0; i < 5; i++) await expectRestored();
    await toxic.remove();
  });

  it('a toxic added to an open connection applies to its next bytes', async () => {
    const { connect } = await import('node:net');
    const socket = connect({ host: '127.0.0.1', port: portOf(echo.listen) });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const roundTrip = () =>
      new Promise<number>((resolve) => {
        const start = performance.now();
        socket.once('data', () => resolve(performance.now() - start));
        socket.write('x');
      });
    expect(await roundTrip()).toBeLessThan(CLEAN_MS);
    const toxic = await echo.addToxic({ name: 'live', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 600, jitter: 0 } });
    expect(await roundTrip()).toBeGreaterThanOrEqual(580);
    await toxic.remove();
    socket.destroy();
  });

  it('disabling the proxy drops its connections and stops listening', async () => {
    const { connect } = await import('node:net');
    const socket = connect({ host: '127.0.0.1', port: portOf(echo.listen) });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const off = await echo.update({ enabled: false, listen: echo.listen, upstream: echo.upstream });
    await closed;
    const refused = await exchange(portOf(echo.listen), payload, { deadlineMs: 1000 });
    expect(refused.ended).toBe('error');
    echo = await off.update({ enabled: true, listen: echo.listen, upstream: echo.upstream });
    await expectRestored();
  });
});
