/**
 * Proxies of kind 'h2race' through the Toxiproxy API: the real TLS HTTP/2 proxy in front of the
 * demo origin, started, shaped, disabled and deleted through the API, counted in /metrics.
 */
import * as http2 from 'node:http2';
import type { ClientHttp2Session } from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createH2raceStarter } from '../../api/h2race-starter.js';
import { startDemoOrigin, type DemoOrigin } from '../../origin/demo-origin.js';
import { connectH2, get } from '../helpers/h2-client.js';
import { testCert } from '../helpers/tls-cert.js';
import { exchange, portOf, raw, scrape, scrapeUntil, startTestApi, type TestApi } from './harness.js';
import { sumOf } from './prometheus-text.js';

let t: TestApi;
let origin: DemoOrigin;

beforeAll(async () => {
  const { certPath, keyPath } = await testCert();
  origin = await startDemoOrigin({ h2c: { host: '127.0.0.1', port: 0 } });
  t = await startTestApi({ startH2race: createH2raceStarter({ cert: certPath, key: keyPath, shutdownTimeoutMs: 500 }) });
});
afterAll(async () => {
  await t?.close();
  await origin?.close();
});

async function timedGet(session: ClientHttp2Session, path: string): Promise<{ ms: number; status: number; bytes: number }> {
  const start = performance.now();
  const res = await get(session, path);
  return { ms: performance.now() - start, status: res.status, bytes: res.body.length };
}

describe('h2race proxies through the API', () => {
  it('serves HTTP/2 through the API-made proxy; toxics, disable and metrics act on it', async () => {
    const res = await raw(t.url, 'POST', '/proxies', JSON.stringify({ name: 'web', kind: 'h2race', pool: 'retain', listen: '127.0.0.1:0', upstream: origin.urls.h2c }));
    expect(res.status, res.text).toBe(201);
    const created = JSON.parse(res.text);
    expect(created).toMatchObject({ name: 'web', kind: 'h2race', pool: 'retain', enabled: true, upstream: origin.urls.h2c, toxics: [] });
    const url = `https://${created.listen}`;

    let session = await connectH2(url);
    for (let i = 0; i < 3; i++) {
      const r = await timedGet(session, '/small?size=1000');
      expect(r).toMatchObject({ status: 200, bytes: 1000 });
    }

    // A Toxiproxy toxic through toxiproxy-node-client reaches the HTTP/2 proxy's open connection.
    const proxy = await t.client.get('web');
    const latency = await proxy.addToxic({ name: 'lag', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 600, jitter: 0 } });
    const slow = await timedGet(session, '/small?size=1000');
    expect(slow.status).toBe(200);
    expect(slow.ms).toBeGreaterThanOrEqual(580);
    await latency.remove();
    const fast = await timedGet(session, '/small?size=1000');
    expect(fast.ms).toBeLessThan(400);

    const e = await scrape(t.url);
    expect(sumOf(e, 'h2race_streams_total', { proxy: 'web', outcome: 'completed' })).toBe(5);
    expect(sumOf(e, 'h2race_stream_bytes_total', { proxy: 'web', direction: 'downstream' })).toBe(5000);
    expect(sumOf(e, 'h2race_pool_events_total', { proxy: 'web', mode: 'retain', counter: 'acquired' })).toBeGreaterThan(0);
    expect(sumOf(e, 'h2race_upstream_sessions_open', { proxy: 'web' })).toBeGreaterThanOrEqual(1);

    // Disabled: its connections end and nothing listens; enabled again on the same address.
    const closed = new Promise<void>((resolve) => session.once('close', () => resolve()));
    const off = await raw(t.url, 'PATCH', '/proxies/web', JSON.stringify({ enabled: false }));
    expect(JSON.parse(off.text).enabled).toBe(false);
    await closed;
    expect((await exchange(portOf(created.listen), 'x', { deadlineMs: 1000 })).ended).toBe('error');
    await raw(t.url, 'PATCH', '/proxies/web', JSON.stringify({ enabled: true }));
    session = await connectH2(url);
    expect((await timedGet(session, '/small?size=10')).status).toBe(200);
    session.close();

    await proxy.remove();
    expect((await exchange(portOf(created.listen), 'x', { deadlineMs: 1000 })).ended).toBe('error');
  });

  it('a frame toxic added through toxiproxy-node-client cancels matching streams; /metrics counts the cancels', async () => {
    const res = await raw(t.url, 'POST', '/proxies', JSON.stringify({ name: 'seek', kind: 'h2race', pool: 'retain', listen: '127.0.0.1:0', upstream: origin.urls.h2c }));
    expect(res.status, res.text).toBe(201);
    const proxy = await t.client.get('seek');
    await proxy.addToxic({ name: 'seek', type: 'rst_inject' as 'latency', stream: 'downstream', toxicity: 1, attributes: { path: '/video', after: 50 } as never });
    const session = await connectH2(`https://${proxy.listen}`);
    const video = session.request({ ':path': '/video?size=50000000' });
    video.on('data', () => undefined);
    video.on('error', () => undefined);
    const rstCode = await new Promise<number>((resolve) => video.once('close', () => resolve(video.rstCode ?? -1)));
    expect(rstCode).toBe(http2.constants.NGHTTP2_CANCEL);
    // Other streams on the same connection are unharmed (retain mode is safe).
    expect((await get(session, '/small?size=100')).status).toBe(200);
    session.close();
    const counted = await scrapeUntil(t.url, (x) => sumOf(x, 'h2race_stream_cancels_total', { proxy: 'seek' }) > 0);
    expect(sumOf(counted, 'h2race_stream_cancels_total', { proxy: 'seek' })).toBe(1);
    const e = await scrape(t.url);
    expect(sumOf(e, 'h2race_collateral_failures_total', { proxy: 'seek' })).toBe(0);
    expect(sumOf(e, 'h2race_streams_total', { proxy: 'seek', outcome: 'completed' })).toBe(1);
    await proxy.remove();
  });

  it('refuses a bad origin as a bad request, and a busy port like Toxiproxy', async () => {
    const bad = await raw(t.url, 'POST', '/proxies', JSON.stringify({ name: 'bad', kind: 'h2race', upstream: 'localhost:80' }));
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).error).toMatch(/^bad request body: .*origin/);
    const busyPort = portOf(t.api.address);
    const busy = await raw(t.url, 'POST', '/proxies', JSON.stringify({ name: 'busy', kind: 'h2race', upstream: origin.urls.h2c, listen: `127.0.0.1:${busyPort}` }));
    expect(busy.status).toBe(500);
    expect(JSON.parse(busy.text).error).toBe(`listen tcp 127.0.0.1:${busyPort}: bind: address already in use`);
  });
});
