/**
 * Frame-level attacks on a real proxy (TLS front, frame path, demo origin): each attacked
 * connection must fail with the right GOAWAY code, and a bystander connection with a download in
 * flight across the attack must finish byte-exact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, FrameType, SettingId, errorCodeName } from '../../h2/frame/constants.js';
import { DEFAULT_FLOOD_LIMITS } from '../../h2/proto/flood-guard.js';
import type { GoawayRecord } from '../../proxy/events.js';
import {
  connectRaw,
  continuationFrame,
  dataFrame,
  encodeHeaderBlock,
  frame,
  headersFrame,
  pingFrame,
  requestHeaders,
  rstFrame,
  settingsFrame,
  windowUpdateFrame,
} from '../helpers/raw-h2.js';
import { attack, flood } from './attack.js';
import { startBystander, startRig, type Rig } from './rig.js';

describe('the HTTP/2 front', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig();
  });
  afterAll(async () => {
    await rig.close();
    expect(rig.pool.stats().inUse).toBe(0);
  });

  const AUTHORITY = '127.0.0.1';
  /** The proxy's default downstream SETTINGS_MAX_CONCURRENT_STREAMS. */
  const MAX_CONCURRENT_STREAMS = 100;
  const GET = encodeHeaderBlock(requestHeaders('/small?size=100', AUTHORITY));

  const calm = { code: 'ENHANCE_YOUR_CALM', goaways: 1, closed: true };

  describe('frame floods', () => {
    it('rapid reset: GOAWAY(ENHANCE_YOUR_CALM), a bounded number of upstream streams, none left open', async () => {
      const bystander = await startBystander(rig);
      await expect.poll(() => rig.originActive, { timeout: 5000 }).toBe(1); // the bystander's download
      const before = rig.originRequests;
      let id = 1;
      const started = performance.now();
      let elapsedMs = 0;
      const result = await attack(rig, async (c) => {
        // Each batch: 50 HEADERS, a turn of the event loop for the proxy to send them upstream, then
        // their 50 RST_STREAMs. Bounded by count; the time cap only guards a machine that crawls.
        while (c.writable && id < 40_000 && performance.now() - started < 20_000) {
          const first = id;
          await c.send(Buffer.concat(Array.from({ length: 50 }, (_, i) => headersFrame(first + 2 * i, GET))));
          await new Promise((r) => setImmediate(r));
          await c.send(Buffer.concat(Array.from({ length: 50 }, (_, i) => rstFrame(first + 2 * i))));
          id += 100;
        }
        await c.waitForGoaway(5000);
        elapsedMs = performance.now() - started;
      });
      expect(result).toMatchObject(calm);
      const attackStreams = (id - 1) / 2;
      const { burst, perSecond } = DEFAULT_FLOOD_LIMITS.resets;
      // Forwarded streams are those reset within the guard's allowance (`burst` at once, then
      // `perSecond`) plus those opened and not reset yet, which the stream limit caps.
      const bound = burst + Math.ceil((perSecond * elapsedMs) / 1000) + MAX_CONCURRENT_STREAMS;
      const forwarded = rig.originRequests - before;
      console.log(`rapid reset: ${attackStreams} streams opened and reset in ${elapsedMs.toFixed(0)} ms, ${forwarded} forwarded upstream (bound ${bound})`);
      expect(attackStreams).toBeGreaterThan(burst);
      expect(forwarded).toBeLessThanOrEqual(bound);
      // Every upstream stream of the attack was cancelled: none is left open at the origin.
      await expect.poll(() => rig.originActiveOn('/small?size=100'), { timeout: 5000 }).toBe(0);
      await bystander.finish();
    });

    it('CONTINUATION flood: GOAWAY(ENHANCE_YOUR_CALM) within the per-block cap', async () => {
      const bystander = await startBystander(rig);
      const before = rig.originRequests;
      const fragment = encodeHeaderBlock([['x-flood', 'a']]);
      const result = await attack(rig, async (c) => {
        await c.send(headersFrame(1, GET, { endHeaders: false }));
        await flood(c, () => Array.from({ length: 100 }, () => continuationFrame(1, fragment)), 100_000);
      });
      expect(result).toMatchObject(calm);
      expect(rig.originRequests - before).toBe(1); // the bystander only
      await bystander.finish();
    });

    // WINDOW_UPDATE's cap (50k/s) sits above what a loaded test machine can send: the unit test covers it.
    const controlFloods: Array<[string, () => Buffer]> = [
      ['SETTINGS', () => settingsFrame([[SettingId.INITIAL_WINDOW_SIZE, 65_535]])],
      ['PING', () => pingFrame(7)],
      ['PRIORITY', () => frame(FrameType.PRIORITY, 0, 1, Buffer.from([0, 0, 0, 0, 15]))],
    ];
    it.each(controlFloods)('%s flood: GOAWAY(ENHANCE_YOUR_CALM)', async (_name, make) => {
      const bystander = await startBystander(rig);
      const result = await attack(rig, async (c) => {
        await flood(c, () => Array.from({ length: 200 }, make), 500_000);
      });
      expect(result).toMatchObject(calm);
      await bystander.finish();
    });

    it('empty-DATA flood on an open upload: GOAWAY(ENHANCE_YOUR_CALM), the upload cancelled upstream', async () => {
      const bystander = await startBystander(rig);
      const post = encodeHeaderBlock(requestHeaders('/echo', AUTHORITY, { method: 'POST' }));
      const result = await attack(rig, async (c) => {
        await c.send(headersFrame(1, post, { endStream: false }));
        await flood(c, () => Array.from({ length: 200 }, () => dataFrame(1, Buffer.alloc(0))), 500_000);
      });
      expect(result).toMatchObject(calm);
      await expect.poll(() => rig.originActiveOn('/echo'), { timeout: 5000 }).toBe(0);
      await bystander.finish();
    });

    it('DATA on a stream the client already ended (nghttp2 drops it silently): GOAWAY(ENHANCE_YOUR_CALM)', async () => {
      const bystander = await startBystander(rig);
      const result = await attack(rig, async (c) => {
        await c.send(headersFrame(1, GET));
        await c.waitFor(() => c.ended.has(1), 5000);
        await flood(c, () => Array.from({ length: 100 }, () => dataFrame(1, Buffer.alloc(1))), 100_000);
      });
      expect(result).toMatchObject(calm);
      await bystander.finish();
    });
  });

  describe('malformed connections', () => {
    it('a frame larger than SETTINGS_MAX_FRAME_SIZE: GOAWAY(FRAME_SIZE_ERROR)', async () => {
      const bystander = await startBystander(rig);
      const result = await attack(rig, async (c) => {
        await c.send(headersFrame(1, GET, { endStream: false }));
        await c.send(dataFrame(1, Buffer.alloc(16_385)));
      });
      expect(result).toMatchObject({ code: 'FRAME_SIZE_ERROR', goaways: 1, closed: true });
      await bystander.finish();
    });

    it('a bad preface: GOAWAY(PROTOCOL_ERROR), nothing forwarded', async () => {
      const before = rig.originRequests;
      const c = await connectRaw({ port: rig.port, preface: false });
      await c.send(Buffer.from('PRI * HTTP/1.1\r\n\r\nSM\r\n\r\n'));
      expect(await c.waitForClose(5000)).toBe(true);
      expect(c.goaway && errorCodeName(c.goaway.errorCode)).toBe('PROTOCOL_ERROR');
      expect(rig.originRequests).toBe(before);
    });

    it('frames on the wrong stream: GOAWAY(PROTOCOL_ERROR)', async () => {
      const result = await attack(rig, async (c) => {
        await c.send(pingFrame(1).fill(1, 5, 9)); // PING on stream 0x01010101
      });
      expect(result).toMatchObject({ code: 'PROTOCOL_ERROR', goaways: 1, closed: true });
    });

    it('a connection WINDOW_UPDATE of 0: GOAWAY(PROTOCOL_ERROR), not node:http2\'s INTERNAL_ERROR', async () => {
      const result = await attack(rig, async (c) => {
        await c.send(windowUpdateFrame(0, 0));
      });
      expect(result).toMatchObject({ code: 'PROTOCOL_ERROR', goaways: 1, closed: true });
    });

    it('HEADERS opening an even-numbered stream: GOAWAY(PROTOCOL_ERROR), nothing forwarded, the GOAWAY reported', async () => {
      const before = rig.originRequests;
      const sent: GoawayRecord[] = [];
      const onGoaway = (g: GoawayRecord): void => void (!g.received && sent.push(g));
      rig.events.on('goaway', onGoaway);
      try {
        const result = await attack(rig, async (c) => {
          await c.send(headersFrame(2, GET, { endStream: true }));
        });
        expect(result).toMatchObject({ code: 'PROTOCOL_ERROR', goaways: 1, closed: true });
        expect(rig.originRequests).toBe(before);
        // node:http2 reports no GOAWAY it sends: the proxy's event (and so /metrics) comes from the frame path.
        expect(sent).toMatchObject([{ side: 'downstream', code: ErrorCode.PROTOCOL_ERROR, lastStreamId: 0, received: false }]);
      } finally {
        rig.events.off('goaway', onGoaway);
      }
    });

    it('a header block HPACK cannot decode: GOAWAY(COMPRESSION_ERROR) and the connection closed (node:http2 leaves it open)', async () => {
      const bystander = await startBystander(rig);
      const result = await attack(rig, async (c) => {
        await c.send(headersFrame(1, Buffer.from([0x80]), { endStream: true })); // indexed field 0: invalid
      });
      expect(result).toMatchObject({ code: 'COMPRESSION_ERROR', goaways: 1, closed: true });
      await bystander.finish();
    });

    it('a client GOAWAY then silence: the proxy closes the connection', async () => {
      const c = await connectRaw({ port: rig.port });
      await c.send(frame(FrameType.GOAWAY, 0, 0, Buffer.alloc(8)));
      expect(await c.waitForClose(5000)).toBe(true);
      c.close();
    });
  });
});
