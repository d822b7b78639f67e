/**
 * Clients that make node:http2 fail a whole session (an HPACK bomb, stream errors again and again,
 * frames it rejects for the connection) against h2race's front, its own engine: a stream error
 * stays a stream error (RFC 9113 §5.4.2): the attacked stream is reset (or, over the header list
 * limit, answered 431), nothing of it reaches the origin, and the same connection and a bystander
 * keep working.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, FrameType, SettingId, errorCodeName } from '../../h2/frame/constants.js';
import { HpackDecoder } from '../../h2/hpack/decoder.js';
import { DEFAULT_FLOOD_LIMITS } from '../../h2/proto/flood-guard.js';
import {
  connectRaw,
  encodeHeaderBlock,
  goawayFrame,
  headersFrame,
  pingFrame,
  requestHeaders,
  rstFrame,
  windowUpdateFrame,
  type RawH2,
} from '../helpers/raw-h2.js';
import { attack, flood, openSlowStream, sendHpackBomb, SLOW_VIDEO } from './attack.js';
import { startBystander, startRig, type Rig } from './rig.js';

const AUTHORITY = '127.0.0.1';
const MAX_HEADER_LIST = 16_384;
/** The proxy's default downstream SETTINGS_MAX_CONCURRENT_STREAMS. */
const MAX_CONCURRENT_STREAMS = 100;

let rig: Rig;
beforeAll(async () => {
  // Room for 100 zero-window streams (each pins the upstream window): the memory cap is
  // connection-memory.test.ts's subject; here the concurrency limit must be what refuses.
  rig = await startRig({ proxy: { downstream: { connectionMemoryMiB: 128, settings: { maxHeaderListSize: MAX_HEADER_LIST } } } });
});
afterAll(async () => {
  await rig.close();
  expect(rig.pool.stats().inUse).toBe(0);
});

async function client(settings?: Array<[number, number]>): Promise<RawH2> {
  return connectRaw({ port: rig.port, settings });
}

/** The :status of each response head the server sent, per stream, decoded in order as the client's HPACK decoder must. */
function statuses(c: RawH2): Map<number, string> {
  const decoder = new HpackDecoder();
  const out = new Map<number, string>();
  for (const f of c.framesOf(FrameType.HEADERS)) {
    const fields = decoder.decode(f.payload);
    out.set(f.streamId, fields[fields.indexOf(':status') + 1]!);
  }
  return out;
}

/** The connection still answers: PING → PING ACK, and no GOAWAY came. */
async function stillServing(c: RawH2): Promise<void> {
  await c.send(pingFrame(42));
  expect(await c.waitFor(() => c.count(FrameType.PING) >= 1, 5000)).toBe(true);
  expect(c.goaway).toBeUndefined();
  expect(c.isClosed).toBe(false);
}

describe('connection errors and a client that leaves, on the default front', () => {
  it('RST_STREAM on an idle stream (§6.4): GOAWAY(PROTOCOL_ERROR) naming no stream, then the connection closes', async () => {
    const bystander = await startBystander(rig);
    const c = await client();
    try {
      await c.send(rstFrame(5));
      expect(await c.waitForClose(5000)).toBe(true);
      expect({ code: c.goaway && errorCodeName(c.goaway.errorCode), lastStreamId: c.goaway?.lastStreamId, goaways: c.count(FrameType.GOAWAY) })
        .toEqual({ code: 'PROTOCOL_ERROR', lastStreamId: 0, goaways: 1 });
    } finally {
      c.close();
    }
    await bystander.finish();
  });

  it('a client GOAWAY with an error code (§6.8): the client is gone, so no frame answers it; its streams end at the origin and the connection closes', async () => {
    const c = await client([[SettingId.INITIAL_WINDOW_SIZE, 0]]);
    try {
      await openSlowStream(c, 1);
      const framesBefore = c.frames.length;
      await c.send(goawayFrame(0, ErrorCode.INTERNAL_ERROR));
      expect(await c.waitForClose(5000)).toBe(true);
      expect(c.frames.slice(framesBefore).map((f) => f.type)).toEqual([]);
      expect(c.goaway).toBeUndefined();
    } finally {
      c.close();
    }
    await expect.poll(() => rig.originActiveOn(SLOW_VIDEO), { timeout: 5000 }).toBe(0);
  });
});

describe('stream errors the client causes again and again (MadeYouReset, CVE-2025-8671) on the default front', () => {
  const calm = { code: 'ENHANCE_YOUR_CALM', goaways: 1, closed: true };

  it('requests without their pseudo-headers: each reset with PROTOCOL_ERROR until the rapid-reset cap, then GOAWAY(ENHANCE_YOUR_CALM); nothing forwarded', async () => {
    const bystander = await startBystander(rig);
    await expect.poll(() => rig.originActive, { timeout: 5000 }).toBe(1);
    const before = rig.originRequests;
    const malformed = encodeHeaderBlock([[':method', 'GET']]);
    let protocolErrors = 0;
    const result = await attack(rig, async (c) => {
      let id = -1;
      await flood(c, () => Array.from({ length: 50 }, () => headersFrame((id += 2), malformed)), 10_000);
      await c.waitForClose(5000);
      protocolErrors = [...c.resets.values()].filter((code) => code === ErrorCode.PROTOCOL_ERROR).length;
    });
    expect(result).toMatchObject(calm);
    expect(protocolErrors).toBeGreaterThanOrEqual(DEFAULT_FLOOD_LIMITS.resets.burst);
    expect(protocolErrors).toBeLessThan(10_000 / 2);
    expect(rig.originRequests).toBe(before);
    await bystander.finish();
  });

  it('a stream opened, then made to fail with WINDOW_UPDATE 0, stream after stream: GOAWAY(ENHANCE_YOUR_CALM), a bounded number of upstream streams, none left open', async () => {
    const bystander = await startBystander(rig);
    await expect.poll(() => rig.originActive, { timeout: 5000 }).toBe(1);
    const before = rig.originRequests;
    const get = encodeHeaderBlock(requestHeaders(SLOW_VIDEO, AUTHORITY));
    const result = await attack(rig, async (c) => {
      let id = -1;
      await flood(c, () => {
        id += 2;
        return [headersFrame(id, get), windowUpdateFrame(id, 0)];
      }, 10_000);
    });
    expect(result).toMatchObject(calm);
    expect(rig.originRequests - before).toBeLessThanOrEqual(DEFAULT_FLOOD_LIMITS.resets.burst + 100);
    await expect.poll(() => rig.originActiveOn(SLOW_VIDEO), { timeout: 5000 }).toBe(0);
    await bystander.finish();
  });
});

describe('stream errors stay stream errors on the default front', () => {
  it('HPACK bomb: every bomb stream is answered 431, none reaches the origin, the connection and bystander live on', async () => {
    const bystander = await startBystander(rig);
    const c = await client();
    try {
      const { bombs, originRequestsBefore: before } = await sendHpackBomb(c, rig, AUTHORITY);
      expect(await c.waitFor(() => bombs.every((id) => c.framesOf(FrameType.HEADERS, id).length === 1), 5000)).toBe(true);
      const status = statuses(c);
      expect(bombs.map((id) => status.get(id))).toEqual(bombs.map(() => '431'));
      expect(rig.originRequests).toBe(before);
      await stillServing(c);
    } finally {
      c.close();
    }
    await bystander.finish();
  });

  for (const { what, frame, code } of [
    { what: 'a stream WINDOW_UPDATE of 0: RST_STREAM(PROTOCOL_ERROR)', frame: windowUpdateFrame(1, 0), code: ErrorCode.PROTOCOL_ERROR },
    { what: 'HEADERS on a stream the client already ended (§5.1): RST_STREAM(STREAM_CLOSED)', frame: headersFrame(1, encodeHeaderBlock([['x-trailer', '1']])), code: ErrorCode.STREAM_CLOSED },
  ]) {
    it(`${what} for that stream, its origin stream ends, the connection lives`, async () => {
      const bystander = await startBystander(rig);
      const c = await client();
      try {
        await openSlowStream(c, 1);
        await c.send(frame);
        expect(await c.waitFor(() => c.resets.has(1), 5000)).toBe(true);
        expect(c.resets.get(1)).toBe(code);
        await expect.poll(() => rig.originActiveOn(SLOW_VIDEO), { timeout: 5000 }).toBe(0);
        await stillServing(c);
      } finally {
        c.close();
      }
      await bystander.finish();
    });
  }

  it('requests without their pseudo-headers: each is reset with PROTOCOL_ERROR, nothing is forwarded, the connection lives', async () => {
    const before = rig.originRequests;
    const c = await client();
    try {
      const malformed = encodeHeaderBlock([[':method', 'GET']]);
      const ids = Array.from({ length: 20 }, (_, i) => 1 + 2 * i);
      await c.send(Buffer.concat(ids.map((id) => headersFrame(id, malformed))));
      expect(await c.waitFor(() => ids.every((id) => c.resets.has(id)), 5000)).toBe(true);
      expect(ids.map((id) => c.resets.get(id))).toEqual(ids.map(() => ErrorCode.PROTOCOL_ERROR));
      expect(rig.originRequests).toBe(before);
      await stillServing(c);
    } finally {
      c.close();
    }
  });

  it('a stream beyond the acknowledged SETTINGS_MAX_CONCURRENT_STREAMS: REFUSED_STREAM (§5.1.2), never forwarded; the open streams and the connection live on', async () => {
    const c = await client([[SettingId.INITIAL_WINDOW_SIZE, 0]]);
    try {
      const video = encodeHeaderBlock(requestHeaders('/video?size=4000000', AUTHORITY));
      await c.send(Buffer.concat(Array.from({ length: MAX_CONCURRENT_STREAMS }, (_, i) => headersFrame(1 + 2 * i, video))));
      expect(await c.waitFor(() => c.count(FrameType.HEADERS) >= MAX_CONCURRENT_STREAMS, 5000)).toBe(true);
      const before = rig.originRequests;
      const extra = 2 * MAX_CONCURRENT_STREAMS + 1;
      await c.send(headersFrame(extra, video));
      expect(await c.waitFor(() => c.resets.has(extra), 5000)).toBe(true);
      expect(c.resets.get(extra)).toBe(ErrorCode.REFUSED_STREAM);
      expect(rig.originRequests).toBe(before);
      expect([...c.resets.keys()]).toEqual([extra]);
      await stillServing(c);
    } finally {
      c.close();
    }
    await expect.poll(() => rig.originActiveOn('/video?size=4000000'), { timeout: 5000 }).toBe(0);
  });
});
