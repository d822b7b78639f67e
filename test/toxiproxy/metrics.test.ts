/**
 * GET /metrics parses as Prometheus text and its counters match the traffic sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxyEvents, type StreamEndRecord } from '../../proxy/events.js';
import type { PoolStats } from '../../faults/pool/types.js';
import { exchange, portOf, scrape, scrapeUntil, Servers, startTestApi, type TestApi } from './harness.js';
import { sumOf } from './prometheus-text.js';

let t: TestApi;
const servers = new Servers();

beforeAll(async () => {
  t = await startTestApi();
});
afterAll(async () => {
  await t.close();
  await servers.closeAll();
});

describe('GET /metrics', () => {
  it('counts a TCP proxy’s connections and bytes per direction', async () => {
    const upstream = `127.0.0.1:${await servers.echo()}`;
    const proxy = await t.client.createProxy({ name: 'm', listen: '127.0.0.1:0', upstream });
    const sizes = [1000, 2500, 4096];
    for (const size of sizes) {
      const r = await exchange(portOf(proxy.listen), Buffer.alloc(size, 'm'), { until: size });
      expect(r.data.length).toBe(size);
    }
    const total = sizes.reduce((a, b) => a + b, 0);
    const e = await scrapeUntil(t.url, (x) => sumOf(x, 'h2race_tcp_connections_open', { proxy: 'm' }) === 0 && sumOf(x, 'toxiproxy_proxy_sent_bytes_total', { proxy: 'm', direction: 'downstream' }) === total);
    expect(e.types.get('toxiproxy_proxy_received_bytes_total')).toBe('counter');
    // Process metrics only when asked for (--runtime-metrics).
    expect(e.samples.some((s) => s.name.startsWith('process_'))).toBe(false);
    expect(sumOf(e, 'h2race_tcp_connections_total', { proxy: 'm' })).toBe(3);
    expect(sumOf(e, 'h2race_tcp_connections_open', { proxy: 'm' })).toBe(0);
    const labels = { proxy: 'm', listener: proxy.listen, upstream };
    for (const direction of ['upstream', 'downstream']) {
      expect(sumOf(e, 'toxiproxy_proxy_received_bytes_total', { ...labels, direction }), direction).toBe(total);
      expect(sumOf(e, 'toxiproxy_proxy_sent_bytes_total', { ...labels, direction }), direction).toBe(total);
    }
    expect(sumOf(e, 'h2race_link_queued_bytes', { proxy: 'm' })).toBe(0);
    await proxy.remove();
  });

  it('shows bytes a toxic holds as link queue depth', async () => {
    const proxy = await t.client.createProxy({ name: 'q', listen: '127.0.0.1:0', upstream: `127.0.0.1:${await servers.echo()}` });
    await proxy.addToxic({ name: 'hold', type: 'latency', stream: 'upstream', toxicity: 1, attributes: { latency: 3000, jitter: 0 } });
    const pending = exchange(portOf(proxy.listen), Buffer.alloc(3000, 'q'), { deadlineMs: 2000 });
    // For 3 s the latency toxic holds everything the client sent.
    const e = await scrapeUntil(t.url, (x) => sumOf(x, 'h2race_link_queued_bytes', { proxy: 'q', direction: 'upstream' }) === 3000);
    expect(sumOf(e, 'h2race_link_queued_bytes', { proxy: 'q', direction: 'upstream' })).toBe(3000);
    expect(sumOf(e, 'h2race_link_queued_bytes', { proxy: 'q', direction: 'downstream' })).toBe(0);
    await proxy.remove();
    expect((await pending).data.length).toBe(0);
  });

  it('counts HTTP/2 stream outcomes, cancels, collateral failures, GOAWAYs, sessions and pool counters', async () => {
    const events = createProxyEvents();
    const detachProxy = t.api.metrics.observeProxy(events, { proxy: 'h2' });
    let races = 2;
    const stats = (): PoolStats => ({
      mode: 'release-on-reset', acquired: 10, reused: 6, allocated: 4, allocatedBytes: 65536, released: 9, discarded: 0, overflow: 0,
      inUse: 1, highWaterInUse: 3, free: 3, racesReusedWhilePending: races,
    });
    const detachPool = t.api.metrics.observePool(stats, 'release-on-reset', { proxy: 'h2' });
    const base = { connectionId: 1, protocol: 'h2' as const, method: 'GET', path: '/v', status: 200, bytesIn: 0, bytesOut: 1000, durationMs: 5, attempts: 1 };
    const end = (streamId: number, outcome: StreamEndRecord['outcome'], extra: Partial<StreamEndRecord> = {}) =>
      events.emit('stream-end', { ...base, streamId, outcome, ...extra });
    end(1, 'completed');
    end(3, 'completed');
    end(5, 'cancelled-by-client', { rstCode: 8, bytesOut: 10 });
    // Connection 2 just closed: its open stream is reset but is no collateral.
    end(1, 'reset', { connectionId: 2, bytesOut: 0 });
    // The client answers GOAWAY(PROTOCOL_ERROR) on connection 1: its other streams die with it.
    events.emit('goaway', { side: 'downstream', id: 1, code: 1, lastStreamId: 9, received: true });
    end(7, 'reset', { rstCode: 2, bytesOut: 0 });
    end(9, 'upstream-error', { bytesOut: 0, bytesIn: 50 });
    events.emit('upstream-session-open', { id: 1, origin: 'https://o', protocol: 'h2' });
    events.emit('upstream-session-open', { id: 2, origin: 'https://o', protocol: 'h2' });
    events.emit('upstream-session-close', { id: 1, origin: 'https://o', protocol: 'h2' });

    let e = await scrape(t.url);
    expect(sumOf(e, 'h2race_streams_total', { proxy: 'h2', outcome: 'completed' })).toBe(2);
    expect(sumOf(e, 'h2race_streams_total', { proxy: 'h2' })).toBe(6);
    expect(sumOf(e, 'h2race_stream_cancels_total', { proxy: 'h2', by: 'client' })).toBe(1);
    expect(sumOf(e, 'h2race_collateral_failures_total', { proxy: 'h2' })).toBe(2);
    expect(sumOf(e, 'h2race_goaways_total', { proxy: 'h2', code: 'PROTOCOL_ERROR', side: 'downstream', sender: 'peer' })).toBe(1);
    expect(sumOf(e, 'h2race_upstream_sessions_open', { proxy: 'h2' })).toBe(1);
    expect(sumOf(e, 'h2race_stream_bytes_total', { proxy: 'h2', direction: 'downstream' })).toBe(2010);
    expect(sumOf(e, 'h2race_stream_bytes_total', { proxy: 'h2', direction: 'upstream' })).toBe(50);
    expect(sumOf(e, 'h2race_pool_events_total', { mode: 'release-on-reset', counter: 'races' })).toBe(2);
    expect(sumOf(e, 'h2race_pool_events_total', { mode: 'release-on-reset', counter: 'reused' })).toBe(6);
    expect(sumOf(e, 'h2race_pool_events_total', { mode: 'release-on-reset', counter: 'allocated_bytes' })).toBe(65536);
    expect(sumOf(e, 'h2race_pool_buffers', { mode: 'release-on-reset', state: 'in_use' })).toBe(1);

    races = 3;
    detachPool();
    detachProxy();
    end(11, 'completed');
    e = await scrape(t.url);
    // A detached pool keeps its last counts; a detached proxy is no longer counted.
    expect(sumOf(e, 'h2race_pool_events_total', { mode: 'release-on-reset', counter: 'races' })).toBe(3);
    expect(sumOf(e, 'h2race_pool_buffers', { mode: 'release-on-reset' })).toBe(0);
    expect(sumOf(e, 'h2race_streams_total', { proxy: 'h2', outcome: 'completed' })).toBe(2);
    expect(sumOf(e, 'h2race_upstream_sessions_open', { proxy: 'h2' })).toBe(0);
  });
});
