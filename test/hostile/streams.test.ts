/**
 * Hostile streams on a real proxy: HPACK bombs, header lists over the configured limit, a client
 * that vanishes mid-upload. The attacked stream (or connection) fails; the connection's honest
 * neighbours and the bystander keep working byte-exact; nothing is left open upstream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameType, errorCodeName } from '../../faults/frames/constants.js';
import {
  connectRaw,
  dataFrame,
  encodeDynamicIndex,
  encodeHeaderBlock,
  encodeIndexedLiteral,
  headerBlockFrames,
  headersFrame,
  pingFrame,
  requestHeaders,
} from '../helpers/raw-h2.js';
import { collect, request } from '../helpers/h2-client.js';
import { checkedGet, startBystander, startRig, type Rig } from './rig.js';

const MAX_HEADER_LIST = 16_384;
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
  it('HPACK bomb: every bomb stream is refused, none reaches the origin, the connection and bystander live on', async () => {
    const bystander = await startBystander(rig);
    const c = await connectRaw({ port: rig.port });
    try {
      // One 4000-byte entry in the server's dynamic table (an allowed request), then requests
      // that reference it 1000 times each: 4 MB of headers from 1 KB on the wire.
      await c.send(headersFrame(1, Buffer.concat([encodeHeaderBlock(requestHeaders('/small?size=10', AUTHORITY)), encodeIndexedLiteral('x-seed', 'z'.repeat(4000))])));
      await c.waitFor(() => c.count(FrameType.HEADERS) === 1, 5000);
      const before = rig.originRequests;
      const refs = Buffer.concat(Array.from({ length: 1000 }, () => encodeDynamicIndex(1)));
      const bombs: number[] = [];
      for (let id = 3; id < 43; id += 2) {
        bombs.push(id);
        await c.send(headersFrame(id, Buffer.concat([encodeHeaderBlock(requestHeaders('/small?size=10', AUTHORITY)), refs])));
      }
      const refusedAll = await c.waitFor(() => bombs.every((id) => c.framesOf(FrameType.RST_STREAM, id).length === 1) || c.isClosed, 5000);
      expect(refusedAll).toBe(true);
      expect(c.isClosed).toBe(false);
      expect(c.framesOf(FrameType.HEADERS).map((f) => f.streamId)).toEqual([1]);
      expect(rig.originRequests).toBe(before);
      // The same connection still answers: PING → PING ACK.
      await c.send(pingFrame(42));
      expect(await c.waitFor(() => c.count(FrameType.PING) >= 1, 5000)).toBe(true);
    } finally {
      c.close();
    }
    await bystander.finish();
  });

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

describe('vanishing clients', () => {
  it('a client that vanishes mid-upload: its upstream stream is cancelled, nothing else is touched', async () => {
    const bystander = await startBystander(rig);
    const activeBefore = rig.originActive;
    let uploadConnection = -1;
    const onStart = (r: { connectionId: number; path: string }): void => {
      if (r.path === '/echo') uploadConnection = r.connectionId;
    };
    rig.proxy.events.on('stream-start', onStart);
    const c = await connectRaw({ port: rig.port });
    await c.send(headersFrame(1, encodeHeaderBlock(requestHeaders('/echo', AUTHORITY, { method: 'POST' })), { endStream: false }));
    for (let i = 0; i < 4; i++) await c.send(dataFrame(1, Buffer.alloc(8192, i)));
    await expect.poll(() => rig.originActive, { timeout: 5000 }).toBe(activeBefore + 1);
    c.socket.destroy();
    await expect.poll(() => rig.originActive, { timeout: 5000 }).toBe(activeBefore);
    // The vanished connection's frame path has ended.
    rig.proxy.events.off('stream-start', onStart);
    expect(uploadConnection).toBeGreaterThan(0);
    await expect.poll(() => rig.connections.has(uploadConnection), { timeout: 5000 }).toBe(false);
    await bystander.finish();
  });

  it('a client that vanishes mid-download: the origin stream is cancelled', async () => {
    const activeBefore = rig.originActive;
    const session = await rig.client();
    const stream = request(session, '/video?size=8000000&rate=1000000');
    await new Promise((resolve) => stream.once('response', resolve));
    expect(rig.originActive).toBe(activeBefore + 1);
    session.destroy();
    await expect.poll(() => rig.originActive, { timeout: 5000 }).toBe(activeBefore);
  });
});
