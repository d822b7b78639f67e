/**
 * The Jetty-style cancel race as /metrics reports it, driven only through the Toxiproxy API: an
 * h2race proxy made with `pool`, slowed with a bandwidth toxic via toxiproxy-node-client, a client
 * that seeks (cancels one range while another and an SSE stream run). In release-on-reset the pool
 * counts races, the client's GOAWAY and the collateral deaths show up; in retain none do.
 *
 * The race is held, not hoped for: before it cancels, the client stalls the link through the API
 * (rate 0), so X's writes are still pending however late the cancel comes on a loaded machine, and
 * lets it run again once /metrics shows the pool took buffers back while the link moved nothing —
 * the cancel's release. Then every frame h2race builds lands in an X buffer still queued behind.
 */
import { once } from 'node:events';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createH2raceStarter } from '../../api/h2race-starter.js';
import type { Toxic } from 'toxiproxy-node-client';
import { BACKPRESSURE_BYTES, seekHandler, shortenLaterFrames, Y_BYTES, Y_FILL } from '../frames/seek-scenario.js';
import { testCert } from '../helpers/tls-cert.js';
import { raw, scrape, scrapeUntil, startTestApi, type TestApi } from './harness.js';
import { sumOf } from './prometheus-text.js';

describe('the cancel race in /metrics', () => {
  let t: TestApi;
  let origin: http2.Http2Server;

  beforeAll(async () => {
    origin = http2.createServer();
    origin.on('stream', seekHandler);

    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    const { certPath, keyPath } = await testCert();
    t = await startTestApi({
      startH2race: createH2raceStarter({ cert: certPath, key: keyPath, shutdownTimeoutMs: 500, pool: { backpressureBytes: BACKPRESSURE_BYTES } }),
    });
  });
  afterAll(async () => {
    await t.close();
    await new Promise((resolve) => origin.close(resolve));
  });

  /** Resolves when /metrics shows an error GOAWAY from the client on `proxy` (checked every 100 ms). */
  async function peerGoaway(proxy: string, stop: { done: boolean }): Promise<boolean> {
    while (!stop.done) {
      const e = await scrape(t.url);
      const all = sumOf(e, 'h2race_goaways_total', { proxy, sender: 'peer' });
      if (all > sumOf(e, 'h2race_goaways_total', { proxy, sender: 'peer', code: 'NO_ERROR' })) return false;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  }

  async function released(proxy: string): Promise<number> {
    return sumOf(await scrape(t.url), 'h2race_pool_events_total', { proxy, counter: 'released' });
  }

  /** Until the pool released more than `before` on `proxy`, then the link runs again. Bounded: 5 s. */
  async function resumeAfterRelease(proxy: string, slow: SlowLink, before: number): Promise<void> {
    const started = performance.now();
    while ((await released(proxy)) <= before && performance.now() - started < 5000) await new Promise((r) => setTimeout(r, 20));
    await slow.toxic.update({ ...slow.body, attributes: { rate: slow.rate } });
  }

  /**
   * A browser-like seek: SSE open, range X cancelled at its first byte, range Y read whole.
   * `hold`: the link stalls before the cancel and runs again once the cancel released X's buffers.
   */
  async function seek(url: string, proxy: string, slow: SlowLink, hold: boolean): Promise<{ yIntact: boolean }> {
    const client = http2.connect(url, { rejectUnauthorized: false, settings: { initialWindowSize: 6 * 1024 * 1024 } });
    client.on('error', () => {});
    try {
      await once(client, 'connect');
      client.setLocalWindowSize(15 * 1024 * 1024);
      const sse = client.request({ ':path': '/events' });
      sse.on('error', () => {});
      await once(sse, 'data');
      const x = client.request({ ':path': '/range/x' });
      x.on('error', () => {});
      const cancelX = (): void => {
        shortenLaterFrames(client);
        x.close(http2.constants.NGHTTP2_CANCEL);
      };
      x.once('data', () => {
        void (async () => {
          if (!hold) return cancelX();
          await slow.toxic.update({ ...slow.body, attributes: { rate: 0 } });
          const before = await released(proxy);
          cancelX();
          await resumeAfterRelease(proxy, slow, before);
        })();
      });
      x.resume();
      const y = client.request({ ':path': '/range/y' });
      y.on('error', () => {});
      let bytes = 0;
      let intact = true;
      y.on('data', (c: Buffer) => {
        bytes += c.length;
        if (c.some((b) => b !== Y_FILL)) intact = false;
      });
      // Bounded: Y finishing, the client giving up on the connection (its GOAWAY, seen in /metrics), or 10 s.
      const stop = { done: false };
      const ended = await Promise.race([
        new Promise<boolean>((resolve) => y.once('close', () => resolve(y.readableEnded))),
        peerGoaway(proxy, stop),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000).unref()),
      ]);
      stop.done = true;
      return { yIntact: ended && intact && bytes === Y_BYTES };
    } finally {
      client.destroy();
    }
  }

  interface SlowLink {
    toxic: Toxic<unknown>;
    body: { name: string; type: 'bandwidth'; stream: 'downstream'; toxicity: number };
    rate: number;
  }

  async function makeProxy(name: string, pool: string): Promise<{ url: string; slow: SlowLink }> {
    const res = await raw(t.url, 'POST', '/proxies', JSON.stringify({ name, kind: 'h2race', pool, listen: '127.0.0.1:0', upstream: `h2c://127.0.0.1:${(origin.address() as AddressInfo).port}` }));
    expect(res.status, res.text).toBe(201);
    const proxy = await t.client.get(name);
    // 1 MB/s: the proxy's queue drains far slower than a cancel's round trip, as on a real link.
    const body = { name: 'slow', type: 'bandwidth', stream: 'downstream', toxicity: 1 } as const;
    const rate = 1000;
    const toxic = await proxy.addToxic<unknown>({ ...body, attributes: { rate } });
    return { url: `https://${proxy.listen}`, slow: { toxic, body, rate } };
  }

  describe('the cancel race in /metrics', () => {
    it('release-on-reset: races, the client’s GOAWAY and collateral failures are counted', async () => {
      const { url, slow } = await makeProxy('unsafe', 'release-on-reset');
      const { yIntact } = await seek(url, 'unsafe', slow, true);
      expect(yIntact).toBe(false);
      // Each stream's record waits for its writes to settle: X's (held by the stall) may come last.
      const e = await scrapeUntil(t.url, (x) => sumOf(x, 'h2race_collateral_failures_total', { proxy: 'unsafe' }) > 0 && sumOf(x, 'h2race_stream_cancels_total', { proxy: 'unsafe' }) > 0);
      expect(sumOf(e, 'h2race_pool_events_total', { proxy: 'unsafe', mode: 'release-on-reset', counter: 'races' })).toBeGreaterThan(0);
      expect(sumOf(e, 'h2race_goaways_total', { proxy: 'unsafe', side: 'downstream', sender: 'peer' })).toBeGreaterThanOrEqual(1);
      expect(sumOf(e, 'h2race_stream_cancels_total', { proxy: 'unsafe' })).toBeGreaterThanOrEqual(1);
      expect(sumOf(e, 'h2race_collateral_failures_total', { proxy: 'unsafe' })).toBeGreaterThanOrEqual(1);
    });

    it('retain: the same seek, no race, no GOAWAY, no collateral', async () => {
      const { url, slow } = await makeProxy('safe', 'retain');
      const { yIntact } = await seek(url, 'safe', slow, false);
      expect(yIntact).toBe(true);
      const e = await scrapeUntil(t.url, (x) => sumOf(x, 'h2race_stream_cancels_total', { proxy: 'safe' }) > 0);
      expect(sumOf(e, 'h2race_stream_cancels_total', { proxy: 'safe' })).toBeGreaterThanOrEqual(1);
      expect(sumOf(e, 'h2race_pool_events_total', { proxy: 'safe', mode: 'retain', counter: 'races' })).toBe(0);
      expect(sumOf(e, 'h2race_goaways_total', { proxy: 'safe', code: 'FRAME_SIZE_ERROR' }) + sumOf(e, 'h2race_goaways_total', { proxy: 'safe', code: 'PROTOCOL_ERROR' })).toBe(0);
      expect(sumOf(e, 'h2race_collateral_failures_total', { proxy: 'safe' })).toBe(0);
    });
  });
});
