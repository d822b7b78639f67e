/**
 * Hostile streams on a real proxy: header lists over the configured limit (HPACK bombs:
 * engine-front.test.ts), a client
 * that vanishes mid-upload. The attacked stream (or connection) fails; the connection's honest
 * neighbours and the bystander keep working byte-exact; nothing is left open upstream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameType, SettingId, errorCodeName } from '../../h2/frame/constants.js';
import {
  connectRaw,
  dataFrame,
  encodeHeaderBlock,
  headerBlockFrames,
  headersFrame,
  requestHeaders,
} from '../helpers/raw-h2.js';
import { collect, request } from '../helpers/h2-client.js';
import { checkedGet, startBystander, startRig, type Rig } from './rig.js';

const MAX_HEADER_LIST = 16_384;
describe('the HTTP/2 front', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ proxy: { downstream: { settings: { maxHeaderListSize: MAX_HEADER_LIST } } } });
  });
  afterAll(async () => {
    await rig.close();
    expect(rig.pool.stats().inUse).toBe(0);
  });

  const AUTHORITY = '127.0.0.1';

  describe('header attacks', () => {
    it('a header list over the configured limit (after SETTINGS are acknowledged) is refused, not forwarded', async () => {
      const session = await rig.client();
      await checkedGet(session, 100); // settles the SETTINGS exchange
      const before = rig.originRequests;
      const stream = request(session, '/small?size=10', { headers: { 'x-big': 'a'.repeat(MAX_HEADER_LIST + 100) } });
      const outcome = await collect(stream).then(
        (r) => `status ${r.status}`,
        () => `RST ${errorCodeName(stream.rstCode ?? -1)}`,
      );
      expect(outcome).toMatch(/^(status 431|RST ENHANCE_YOUR_CALM|RST REFUSED_STREAM|RST PROTOCOL_ERROR)$/);
      expect(rig.originRequests).toBe(before);
      await checkedGet(session, 5000);
    });

    it('a client that never acknowledges SETTINGS still gets 431 for a header list over the limit', async () => {
      const before = rig.originRequests;
      const c = await connectRaw({ port: rig.port, ackSettings: false });
      try {
        const big = encodeHeaderBlock(requestHeaders('/small?size=10', AUTHORITY, { extra: [['x-big', 'b'.repeat(MAX_HEADER_LIST + 100)]] }));
        for (let id = 1; id <= 9; id += 2) await c.send(headerBlockFrames(id, big));
        // Each answered (431: HEADERS with END_STREAM) or reset; none forwarded.
        expect(await c.waitFor(() => [1, 3, 5, 7, 9].every((id) => c.ended.has(id) || c.resets.has(id)), 5000)).toBe(true);
        expect(rig.originRequests).toBe(before);
      } finally {
        c.close();
      }
    });

    it('a header block split over CONTINUATIONs within the limits is served', async () => {
      const c = await connectRaw({ port: rig.port });
      try {
        const block = encodeHeaderBlock(requestHeaders('/small?size=10', AUTHORITY, { extra: [['x-fill', 'f'.repeat(12_000)]] }));
        await c.send(headerBlockFrames(1, block, { maxFrameSize: 4096 }));
        expect(await c.waitFor(() => c.count(FrameType.HEADERS) === 1 && (c.dataBytes.get(1) ?? 0) === 10, 5000)).toBe(true);
        expect(c.goaway).toBeUndefined();
      } finally {
        c.close();
      }
    });
  });

  describe('slow readers', () => {
    const STREAM_IDLE_MS = 1000;
    /** Measured 4-5 idle periods until the last stalled stream is cut (see below); 30 on a crawling machine. */
    const RESET_BUDGET_MS = 30 * STREAM_IDLE_MS;
    const TEST_BUDGET_MS = RESET_BUDGET_MS + 30_000;
    // The proxy's default downstream settings (100 streams per connection), a short idle timeout,
    // and a 128 KiB upstream stream window: the attacker's 100 streams then park 12.5 MiB on the
    // shared origin connection instead of 100 MiB, which the bystander would queue behind.
    let slow: Rig;
    beforeAll(async () => {
      slow = await startRig({
        proxy: { downstream: { streamIdleTimeoutMs: STREAM_IDLE_MS }, upstream: { settings: { initialWindowSize: 128 * 1024 } } },
      });
    });
    afterAll(async () => {
      await slow.close();
      expect(slow.pool.stats().inUse).toBe(0);
    });

    /**
     * A client with a zero stream window opens `streams` downloads; every one must end in a reset
     * (REFUSED_STREAM or ENHANCE_YOUR_CALM above the limit, CANCEL once idle), at most 100 reach the
     * origin, memory stays bounded, and a bystander's paced download goes on byte-exact.
     */
    async function zeroWindowClient(streams: number, ack: boolean): Promise<Map<string, number>> {
      const bystander = await startBystander(slow, 1024 * 1024, 512 * 1024); // 2 s: outlives the idle timeout, never idle itself
      const rssBefore = process.memoryUsage().rss;
      const path = '/video?size=4000000';
      const c = await connectRaw({ port: slow.port, settings: [[SettingId.INITIAL_WINDOW_SIZE, 0]], ackSettings: ack });
      let peakRss = rssBefore;
      let peakActive = 0;
      const sample = setInterval(() => {
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
        peakActive = Math.max(peakActive, slow.originActiveOn(path));
      }, 20);
      const codes = new Map<string, number>();
      try {
        await c.waitFor(() => c.count(FrameType.SETTINGS) >= 1, 5000);
        const get = encodeHeaderBlock(requestHeaders(path, AUTHORITY));
        const ids = Array.from({ length: streams }, (_, i) => 1 + 2 * i);
        for (const id of ids) await c.send(headersFrame(id, get));
        // Not one idle period: Node's stream timer restarts whenever its session writes anything, and
        // each RST_STREAM the proxy sends for one stalled stream is such a write for all the others.
        const allReset = await c.waitFor(() => ids.every((id) => c.resets.has(id)), RESET_BUDGET_MS);
        expect({ allReset, closed: c.isClosed }).toEqual({ allReset: true, closed: false });
        for (const id of ids) codes.set(errorCodeName(c.resets.get(id)!), (codes.get(errorCodeName(c.resets.get(id)!)) ?? 0) + 1);
        await expect.poll(() => slow.originActiveOn(path), { timeout: 5000 }).toBe(0);
      } finally {
        clearInterval(sample);
        c.close();
      }
      const grownMb = (peakRss - rssBefore) / 2 ** 20;
      console.log(`zero-window client, ${streams} streams (SETTINGS ack ${ack}): peak ${peakActive} origin streams, RSS +${grownMb.toFixed(0)} MiB, resets`, Object.fromEntries(codes));
      expect(peakActive).toBeLessThanOrEqual(100);
      expect(grownMb).toBeLessThan(300);
      await bystander.finish();
      return codes;
    }

    it('100 stalled streams (the limit) are each cut with CANCEL after streamIdleTimeoutMs', { timeout: TEST_BUDGET_MS }, async () => {
      const codes = await zeroWindowClient(100, true);
      expect(Object.fromEntries(codes)).toEqual({ CANCEL: 100 });
    });

    it('150 stalled streams from a client that ignores SETTINGS: 100 served then cut, the rest refused', { timeout: TEST_BUDGET_MS }, async () => {
      const codes = await zeroWindowClient(150, false);
      expect(codes.get('CANCEL') ?? 0).toBeLessThanOrEqual(100);
      expect((codes.get('CANCEL') ?? 0) + (codes.get('REFUSED_STREAM') ?? 0) + (codes.get('ENHANCE_YOUR_CALM') ?? 0)).toBe(150);
    });
  });

  describe('vanishing clients', () => {
    it('a client that vanishes mid-upload: its upstream stream is cancelled, nothing else is touched', async () => {
      const bystander = await startBystander(rig);
      let uploadConnection = -1;
      const onStart = (r: { connectionId: number; path: string }): void => {
        if (r.path === '/echo') uploadConnection = r.connectionId;
      };
      rig.events.on('stream-start', onStart);
      const c = await connectRaw({ port: rig.port });
      await c.send(headersFrame(1, encodeHeaderBlock(requestHeaders('/echo', AUTHORITY, { method: 'POST' })), { endStream: false }));
      for (let i = 0; i < 4; i++) await c.send(dataFrame(1, Buffer.alloc(8192, i)));
      await expect.poll(() => rig.originActiveOn('/echo'), { timeout: 5000 }).toBe(1);
      c.socket.destroy();
      await expect.poll(() => rig.originActiveOn('/echo'), { timeout: 5000 }).toBe(0);
      // The vanished connection's frame path has ended.
      rig.events.off('stream-start', onStart);
      expect(uploadConnection).toBeGreaterThan(0);
      await expect.poll(() => rig.connections.has(uploadConnection), { timeout: 5000 }).toBe(false);
      await bystander.finish();
    });

    it('a client that vanishes mid-download: the origin stream is cancelled', async () => {
      const path = '/video?size=8000000&rate=1000000';
      const session = await rig.client();
      const stream = request(session, path);
      await new Promise((resolve) => stream.once('response', resolve));
      expect(rig.originActiveOn(path)).toBe(1);
      session.destroy();
      await expect.poll(() => rig.originActiveOn(path), { timeout: 5000 }).toBe(0);
    });
  });
});
