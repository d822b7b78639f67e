/**
 * The node front (`downstream.engine: node`, kept as a reference): clients that make node:http2
 * itself fail the downstream session (not h2race's frame validation): its caps on refused and invalid streams, frames nghttp2 rejects for the whole
 * connection. node:http2 destroys the session and would say GOAWAY(INTERNAL_ERROR), or nothing at
 * all when one of its writes was in flight; through the frame path each attacker gets exactly one
 * GOAWAY with the cause and the last stream the proxy took, then a closed connection, while a
 * bystander connection keeps working byte-exact. The default front (h2race's engine) answers the
 * same clients per RFC 9113: engine-front.test.ts and connection-memory.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, FrameFlag, FrameType, SettingId } from '../../h2/frame/constants.js';
import {
  encodeHeaderBlock,
  goawayFrame,
  headersFrame,
  requestHeaders,
  rstFrame,
  windowUpdateFrame,
  type RawH2,
} from '../helpers/raw-h2.js';
import { attack, flood, openSlowStream, SLOW_VIDEO } from './attack.js';
import { startBystander, startRig, type Rig } from './rig.js';

const AUTHORITY = '127.0.0.1';
/** The proxy's default downstream SETTINGS_MAX_CONCURRENT_STREAMS. */
const MAX_CONCURRENT_STREAMS = 100;
/** node:http2's default maxSessionRejectedStreams: refusals beyond it fail the session. */
const MAX_REJECTED_STREAMS = 100;
/** With a zero window the proxy holds one DATA chunk per stream: 80 of them exceed 1 MiB. */
const HELD_STREAMS = 80;

let rig: Rig;
/** A proxy whose sessions may use 1 MiB (maxSessionMemory), so a client can exhaust it. */
let smallMemoryRig: Rig;
beforeAll(async () => {
  [rig, smallMemoryRig] = await Promise.all([
    startRig({ proxy: { downstream: { engine: 'node' } } }),
    startRig({ proxy: { downstream: { engine: 'node', maxSessionMemoryMiB: 1 } } }),
  ]);
});
afterAll(async () => {
  await Promise.all([rig.close(), smallMemoryRig.close()]);
  expect(rig.pool.stats().inUse).toBe(0);
  expect(smallMemoryRig.pool.stats().inUse).toBe(0);
});

function get(path: string): Buffer {
  return encodeHeaderBlock(requestHeaders(path, AUTHORITY));
}

/** Waits for the server's SETTINGS (RawH2 acknowledges it at once). */
async function settled(c: RawH2): Promise<void> {
  expect(await c.waitFor(() => c.frames.some((f) => f.type === FrameType.SETTINGS && !(f.flags & FrameFlag.ACK)), 5000)).toBe(true);
}

describe('node front: sessions node:http2 fails', () => {
  it('session memory exhausted: streams refused with ENHANCE_YOUR_CALM, then node:http2 fails the session (its rejected-stream cap): GOAWAY(ENHANCE_YOUR_CALM) naming the last stream it took', async () => {
    const bystander = await startBystander(smallMemoryRig);
    const video = get('/video?size=4000000');
    const calmed: number[] = [];
    const result = await attack(smallMemoryRig, async (c) => {
      await settled(c);
      let id = 1;
      for (; id < 2 * HELD_STREAMS; id += 2) await c.send(headersFrame(id, video));
      expect(await c.waitFor(() => c.count(FrameType.HEADERS) >= HELD_STREAMS, 5000)).toBe(true);
      // Each new stream is refused once the held chunks exceed the session's memory.
      while (c.writable && id < 2 * (HELD_STREAMS + 4 * MAX_REJECTED_STREAMS)) {
        await c.send(Buffer.concat(Array.from({ length: 10 }, (_, i) => headersFrame(id + 2 * i, video))));
        id += 20;
        await new Promise((r) => setTimeout(r, 5));
      }
      await c.waitForClose(5000);
      for (const [stream, code] of c.resets) if (code === ErrorCode.ENHANCE_YOUR_CALM) calmed.push(stream);
    }, { settings: [[SettingId.INITIAL_WINDOW_SIZE, 0]] });
    expect(calmed.length).toBeGreaterThan(MAX_REJECTED_STREAMS);
    // Memory only grows under a zero window: the streams taken are those before the first refused.
    expect(result).toEqual({ code: 'ENHANCE_YOUR_CALM', lastStreamId: Math.min(...calmed) - 2, goaways: 1, closed: true });
    await expect.poll(() => smallMemoryRig.originActiveOn('/video?size=4000000'), { timeout: 5000 }).toBe(0);
    await bystander.finish();
  });

  it('requests without their pseudo-headers, again and again (node:http2\'s invalid-frame cap): GOAWAY(ENHANCE_YOUR_CALM) naming no stream, nothing forwarded', async () => {
    const bystander = await startBystander(rig);
    await expect.poll(() => rig.originActive, { timeout: 5000 }).toBe(1);
    const before = rig.originRequests;
    const malformed = encodeHeaderBlock([[':method', 'GET']]);
    const result = await attack(rig, async (c) => {
      let id = -1;
      await flood(c, () => Array.from({ length: 50 }, () => headersFrame((id += 2), malformed)), 10_000);
    });
    expect(result).toEqual({ code: 'ENHANCE_YOUR_CALM', lastStreamId: 0, goaways: 1, closed: true });
    expect(rig.originRequests).toBe(before);
    await bystander.finish();
  });

  it('a stream beyond the acknowledged SETTINGS_MAX_CONCURRENT_STREAMS: GOAWAY(PROTOCOL_ERROR) naming the last stream taken', async () => {
    const bystander = await startBystander(rig);
    const video = get('/video?size=4000000');
    const result = await attack(rig, async (c) => {
      await settled(c);
      const open = Array.from({ length: MAX_CONCURRENT_STREAMS }, (_, i) => headersFrame(1 + 2 * i, video));
      await c.send(Buffer.concat(open));
      expect(await c.waitFor(() => c.count(FrameType.HEADERS) >= MAX_CONCURRENT_STREAMS, 5000)).toBe(true);
      await c.send(headersFrame(2 * MAX_CONCURRENT_STREAMS + 1, video));
    }, { settings: [[SettingId.INITIAL_WINDOW_SIZE, 0]] });
    expect(result).toEqual({ code: 'PROTOCOL_ERROR', lastStreamId: 2 * MAX_CONCURRENT_STREAMS - 1, goaways: 1, closed: true });
    await expect.poll(() => rig.originActiveOn('/video?size=4000000'), { timeout: 5000 }).toBe(0);
    await bystander.finish();
  });

  it('RST_STREAM on an idle stream (§6.4): GOAWAY(PROTOCOL_ERROR), not INTERNAL_ERROR', async () => {
    const bystander = await startBystander(rig);
    const result = await attack(rig, async (c) => {
      await c.send(rstFrame(5));
    });
    expect(result).toEqual({ code: 'PROTOCOL_ERROR', lastStreamId: 0, goaways: 1, closed: true });
    await bystander.finish();
  });

  it('a stream WINDOW_UPDATE of 0 (node:http2 fails the connection for it): GOAWAY(PROTOCOL_ERROR), not INTERNAL_ERROR', async () => {
    const bystander = await startBystander(rig);
    const result = await attack(rig, async (c) => {
      await openSlowStream(c, 1);
      await c.send(windowUpdateFrame(1, 0));
    });
    expect(result).toEqual({ code: 'PROTOCOL_ERROR', lastStreamId: 1, goaways: 1, closed: true });
    await expect.poll(() => rig.originActiveOn(SLOW_VIDEO), { timeout: 5000 }).toBe(0);
    await bystander.finish();
  });

  it('HEADERS on a stream the client already ended (§5.1): GOAWAY(STREAM_CLOSED), not INTERNAL_ERROR', async () => {
    const bystander = await startBystander(rig);
    const result = await attack(rig, async (c) => {
      await openSlowStream(c, 1);
      await c.send(headersFrame(1, encodeHeaderBlock([['x-trailer', '1']])));
    });
    expect(result).toEqual({ code: 'STREAM_CLOSED', lastStreamId: 1, goaways: 1, closed: true });
    await expect.poll(() => rig.originActiveOn(SLOW_VIDEO), { timeout: 5000 }).toBe(0);
    await bystander.finish();
  });

  it('a client GOAWAY with an error code: the session closes with GOAWAY(NO_ERROR), no error of the proxy\'s', async () => {
    const result = await attack(rig, async (c) => {
      await settled(c);
      await c.send(headersFrame(1, get('/video?size=4000000')));
      expect(await c.waitFor(() => c.framesOf(FrameType.HEADERS, 1).length > 0, 5000)).toBe(true);
      await c.send(goawayFrame(0, ErrorCode.INTERNAL_ERROR));
    }, { settings: [[SettingId.INITIAL_WINDOW_SIZE, 0]] });
    expect(result).toEqual({ code: 'NO_ERROR', lastStreamId: 1, goaways: 1, closed: true });
  });
});
