/**
 * The front's per-connection memory cap (`downstream.connectionMemoryMiB`): a client that
 * does not read cannot make the proxy hold more than the cap for its connection. Its stalled
 * streams stay paused upstream (each pins at most the upstream stream window) and, once they fill
 * the cap, its new streams are refused with REFUSED_STREAM (nothing forwarded), while the
 * connection and a bystander live on; when the client lets go, new streams are served again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, FrameType, SettingId } from '../../h2/frame/constants.js';
import { encodeHeaderBlock, headersFrame, pingFrame, requestHeaders, rstFrame, windowUpdateFrame, type RawH2 } from '../helpers/raw-h2.js';
import { attack } from './attack.js';
import { startBystander, startRig, type Rig } from './rig.js';

const AUTHORITY = '127.0.0.1';
const VIDEO = '/video?size=4000000';
const MiB = 2 ** 20;
/** The rig's upstream stream window (the proxy's default) and the front's queues: what one stalled stream can pin. */
const STALLED_STREAM_BYTES = MiB + 64 * 1024 + 32 * 1024;

async function stillServing(c: RawH2): Promise<void> {
  const pings = c.count(FrameType.PING);
  await c.send(pingFrame(7));
  expect(await c.waitFor(() => c.count(FrameType.PING) > pings, 5000)).toBe(true);
  expect(c.goaway).toBeUndefined();
}

describe('the front holds at most connectionMemoryMiB (default 32) for one client connection', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig();
  });
  afterAll(async () => {
    await rig.close();
    expect(rig.pool.stats().inUse).toBe(0);
  });

  it('100 streams from a zero-window client: as many as the 32 MiB cap holds are served, the rest refused with REFUSED_STREAM and never forwarded; RSS stays bounded', async () => {
    const bystander = await startBystander(rig);
    await expect.poll(() => rig.originActive, { timeout: 5000 }).toBe(1);
    const before = rig.originRequests;
    const admitted = Math.floor((32 * MiB) / STALLED_STREAM_BYTES);
    const ids = Array.from({ length: 100 }, (_, i) => 1 + 2 * i);
    const video = encodeHeaderBlock(requestHeaders(VIDEO, AUTHORITY));
    const result = await attack(rig, async (c) => {
      expect(await c.waitFor(() => c.count(FrameType.SETTINGS) >= 1, 5000)).toBe(true);
      for (const id of ids) await c.send(headersFrame(id, video));
      const refused = ids.slice(admitted);
      expect(await c.waitFor(() => refused.every((id) => c.resets.has(id)), 5000)).toBe(true);
      expect(await c.waitFor(() => c.count(FrameType.HEADERS) >= admitted, 5000)).toBe(true);
      // Every admitted stream is served (its head came) and none of them is reset; every later one is refused.
      expect(ids.filter((id) => c.framesOf(FrameType.HEADERS, id).length > 0)).toEqual(ids.slice(0, admitted));
      expect(ids.map((id) => c.resets.get(id))).toEqual(ids.map((_, i) => (i < admitted ? undefined : ErrorCode.REFUSED_STREAM)));
      expect(rig.originRequests - before).toBe(admitted);
      // Let the paused upstream windows fill: memory stays what the cap allows (attack() bounds RSS).
      await new Promise((r) => setTimeout(r, 500));
      await stillServing(c);
      c.close();
    }, { settings: [[SettingId.INITIAL_WINDOW_SIZE, 0]] });
    expect(result).toMatchObject({ code: 'no GOAWAY', goaways: 0 });
    await expect.poll(() => rig.originActiveOn(VIDEO), { timeout: 5000 }).toBe(0);
    await bystander.finish();
  });
});

describe('a client whose streams stall after they started', () => {
  const CAP_MIB = 8;
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ proxy: { downstream: { connectionMemoryMiB: CAP_MIB } } });
  });
  afterAll(async () => {
    await rig.close();
    expect(rig.pool.stats().inUse).toBe(0);
  });

  it('streams that read one window and stop: over the cap, new streams are refused (REFUSED_STREAM); once the client resets them, new streams are served again', async () => {
    const small = encodeHeaderBlock(requestHeaders('/small?size=10', AUTHORITY));
    const stalled = Array.from({ length: 2 * CAP_MIB }, (_, i) => 1 + 2 * i);
    let nextId = 1 + 2 * stalled.length;
    /** Opens a small request; resolves with how it ended: its status head or its reset code. */
    const probe = async (c: RawH2): Promise<'served' | number> => {
      const id = nextId;
      nextId += 2;
      await c.send(headersFrame(id, small));
      expect(await c.waitFor(() => c.resets.has(id) || c.ended.has(id), 5000)).toBe(true);
      return c.resets.get(id) ?? 'served';
    };
    const result = await attack(rig, async (c) => {
      expect(await c.waitFor(() => c.count(FrameType.SETTINGS) >= 1, 5000)).toBe(true);
      // The connection window never limits: each stream stops at its own 64 KiB window.
      await c.send(windowUpdateFrame(0, 2 ** 30));
      const video = encodeHeaderBlock(requestHeaders(VIDEO, AUTHORITY));
      for (const id of stalled) await c.send(headersFrame(id, video));
      expect(await c.waitFor(() => stalled.every((id) => c.dataBytes.get(id) === 65_535), 5000)).toBe(true);
      // The stalled streams' queues fill within moments of their windows closing; from then on
      // (16 × 1.1 MiB > 8 MiB) every new stream is refused, and nothing of it reaches the origin.
      const before = rig.originRequests;
      let first: 'served' | number = 'served';
      for (let i = 0; i < 50 && first === 'served'; i++) {
        first = await probe(c);
        if (first === 'served') await new Promise((r) => setTimeout(r, 20));
      }
      expect(first).toBe(ErrorCode.REFUSED_STREAM);
      const refusedAt = rig.originRequests;
      expect(await probe(c)).toBe(ErrorCode.REFUSED_STREAM);
      expect(rig.originRequests).toBe(refusedAt);
      expect(refusedAt - before).toBeLessThan(50);
      expect(stalled.filter((id) => c.resets.has(id))).toEqual([]);
      // The client lets go of its stalled streams: their memory is released with them.
      await c.send(Buffer.concat(stalled.map((id) => rstFrame(id))));
      await expect.poll(() => rig.originActiveOn(VIDEO), { timeout: 5000 }).toBe(0);
      expect(await probe(c)).toBe('served');
      await stillServing(c);
      c.close();
    });
    expect(result).toMatchObject({ code: 'no GOAWAY', goaways: 0 });
  });
});
