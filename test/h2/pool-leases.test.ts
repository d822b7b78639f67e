/**
 * Frames are born in pool leases, and the pool hears of a peer's reset while their writes are
 * pending — the Jetty race, reproduced inside the engine. A transport that holds writes until the
 * test releases them makes "the write is still pending when RST_STREAM arrives" deterministic.
 */
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { createBufferPool } from '../../faults/pool/create-pool.js';
import { DiscardOnResetPool } from '../../faults/pool/discard-on-reset.js';
import { NonPoolingPool } from '../../faults/pool/non-pooling.js';
import { ReleaseOnResetPool } from '../../faults/pool/release-on-reset.js';
import { RetainPool } from '../../faults/pool/retain.js';
import type { BufferPool } from '../../faults/pool/types.js';
import { FrameFlag, FrameType } from '../../h2/frame/constants.js';
import { readFrameHeader } from '../../h2/frame/codec.js';
import { AllocatingPool, type FramePool, type Lease, type LeaseOwner } from '../../h2/proto/frame-pool.js';
import { connectRaw, encodeHeaderBlock, headersFrame, requestHeaders, rstFrame, type RawH2 } from '../helpers/raw-h2.js';
import { waitFor } from '../helpers/wait.js';
import { startEngineServer, type EngineServer } from './engine-server.js';
import { HoldingTransport } from './holding-transport.js';
import { createTestApp, type TestApp } from './test-app.js';

/** A pool that counts what the engine does with each lease, around a real strategy. */
class RecordingPool implements FramePool {
  readonly acquired: Lease[] = [];
  readonly writeDones = new Map<Lease, number>();
  readonly streamResets = new Map<Lease, number>();
  constructor(private readonly inner: FramePool) {}

  acquire(length: number, owner: LeaseOwner): Lease {
    const lease = this.inner.acquire(length, owner);
    this.acquired.push(lease);
    return lease;
  }

  writeDone(lease: Lease): void {
    this.writeDones.set(lease, (this.writeDones.get(lease) ?? 0) + 1);
    this.inner.writeDone(lease);
  }

  streamReset(lease: Lease): void {
    this.streamResets.set(lease, (this.streamResets.get(lease) ?? 0) + 1);
    this.inner.streamReset(lease);
  }

  leasesOf(streamId: number): Lease[] {
    return this.acquired.filter((lease) => lease.owner.streamId === streamId);
  }
}

const get = (path: string): Buffer => encodeHeaderBlock(requestHeaders(path, '127.0.0.1', { scheme: 'http' }));

let server: EngineServer | undefined;
let raw: RawH2 | undefined;
afterEach(async () => {
  raw?.close();
  await server?.close();
  raw = server = undefined;
});

interface Rig {
  app: TestApp;
  transport: () => HoldingTransport;
  peerResets: number[];
}

async function startRig(pool: FramePool, maxSendAheadBytes?: number): Promise<Rig> {
  const app = createTestApp();
  let transport: HoldingTransport | undefined;
  const peerResets: number[] = [];
  server = await startEngineServer(app, {
    tls: false,
    options: { pool, maxSendAheadBytes, observer: { onPeerReset: (id) => peerResets.push(id) } },
    transport: (socket) => (transport = new HoldingTransport(socket)),
  });
  raw = await connectRaw({ port: server.port, tls: false });
  await raw.waitFor(() => raw!.count(FrameType.SETTINGS) > 0, 5000);
  return { app, transport: () => transport!, peerResets };
}

describe('leases of a reset stream', () => {
  it('the pool hears streamReset for every lease of the stream still pending; what was never framed is dropped', async () => {
    const pool = new RecordingPool(new AllocatingPool());
    const rig = await startRig(pool, 64 * 1024);
    const transport = rig.transport();
    transport.holding = true;
    await raw!.send(headersFrame(1, get(`/bytes/${256 * 1024}`)));
    // The first flush frames up to the 64 KiB budget; nothing more until writes complete.
    await waitFor('frames held up to the budget', () => transport.heldBytes > 48 * 1024);
    const pending = pool.leasesOf(1);
    expect(pending.map((l) => l.owner.frameType)).toContain(FrameType.DATA);
    expect(pending.every((l) => !pool.writeDones.has(l))).toBe(true);

    await raw!.send(rstFrame(1));
    await waitFor('the reset to reach the application', () => rig.app.streams[0]?.reset !== undefined);
    expect([...pool.streamResets.keys()]).toEqual(pending);
    expect([...pool.streamResets.values()].every((n) => n === 1)).toBe(true);
    // The rest of the 256 KiB body was never framed: no lease of stream 1 after the reset.
    expect(pool.leasesOf(1)).toEqual(pending);
    const framed = pending.filter((l) => l.owner.frameType === FrameType.DATA).reduce((n, l) => n + l.length - 9, 0);
    expect(framed).toBeLessThan(256 * 1024);

    transport.release();
    await waitFor('every lease written', () => pool.acquired.every((l) => pool.writeDones.has(l)));
    expect([...pool.writeDones.values()].every((n) => n === 1)).toBe(true);
  });

  it('a stream already ended on our side, its last frames still pending, is reset in the pool too', async () => {
    const pool = new RecordingPool(new AllocatingPool());
    const rig = await startRig(pool);
    const transport = rig.transport();
    transport.holding = true;
    await raw!.send(headersFrame(1, get('/bytes/40000')));
    await waitFor('the whole response held', () => transport.held.some((w) => isEndOf(w.bytes, 1)));
    await raw!.send(rstFrame(1));
    await waitFor('the reset seen', () => rig.peerResets.includes(1));
    expect([...pool.streamResets.keys()]).toEqual(pool.leasesOf(1));
    transport.release();
  });
});

/** Whether `bytes` is a frame of `streamId` carrying END_STREAM. */
function isEndOf(bytes: Buffer, streamId: number): boolean {
  const h = readFrameHeader(bytes);
  return h.streamId === streamId && (h.type === FrameType.DATA || h.type === FrameType.HEADERS) && (h.flags & FrameFlag.END_STREAM) !== 0;
}

describe('the Jetty race inside the engine', () => {
  /**
   * Stream 1's response is held (pending) when the client resets it; stream 3's response is then
   * made (both within the client's 64 KiB windows). Returns stream 1's held writes as they were before the reset and as they are at release.
   */
  async function raceScenario(pool: BufferPool): Promise<{ before: Buffer[]; after: Buffer[]; rig: Rig }> {
    const rig = await startRig(pool);
    const transport = rig.transport();
    transport.holding = true;
    await raw!.send(headersFrame(1, get('/bytes/49152')));
    await waitFor("stream 1's response held", () => transport.held.some((w) => isEndOf(w.bytes, 1)));
    const ofStream1 = transport.held.filter((w) => readFrameHeader(w.bytes).streamId === 1);
    const before = ofStream1.map((w) => Buffer.from(w.bytes));
    await raw!.send(rstFrame(1));
    await waitFor('the reset seen', () => rig.peerResets.includes(1));
    await raw!.send(headersFrame(3, get('/bytes/16000')));
    await waitFor("stream 3's response made", () => rig.app.streams.some((s) => s.id === 3) && transport.held.some((w) => isEndOf(w.bytes, 3)));
    const after = ofStream1.map((w) => Buffer.from(w.bytes));
    return { before, after, rig };
  }

  it('release-on-reset: a held frame of stream 1 goes out with stream 3\'s frame in its buffer', async () => {
    const pool = createBufferPool('release-on-reset');
    const { before, after, rig } = await raceScenario(pool);
    expect(pool.stats().racesReusedWhilePending).toBeGreaterThan(0);
    expect(pool.races.some((r) => r.pending.streamId === 1 && r.reusedFor.streamId === 3)).toBe(true);
    const overwritten = after.filter((bytes, i) => !bytes.equals(before[i]!));
    expect(overwritten.length).toBeGreaterThan(0);
    expect(overwritten.some((bytes) => readFrameHeader(bytes).streamId === 3)).toBe(true);
    rig.transport().release();
  });

  it('retain: no buffer is reused while pending; both responses arrive intact', async () => {
    const pool = createBufferPool('retain');
    const { before, after, rig } = await raceScenario(pool);
    expect(pool.stats().racesReusedWhilePending).toBe(0);
    after.forEach((bytes, i) => expect(bytes.equals(before[i]!)).toBe(true));
    rig.transport().release();
    // The client reset stream 1, but its frames were already on the way: all of them arrive.
    expect(await raw!.waitFor(() => raw!.ended.has(1) && raw!.ended.has(3), 5000)).toBe(true);
    expect(raw!.dataBytes.get(1)).toBe(49152);
    expect(raw!.dataBytes.get(3)).toBe(16000);
    await waitFor('every lease ended', () => pool.stats().inUse === 0);
  });

  it("faults/pool's strategies satisfy the engine's FramePool", () => {
    expectTypeOf<BufferPool>().toExtend<FramePool>();
    const pools: FramePool[] = [new NonPoolingPool(), new ReleaseOnResetPool(), new DiscardOnResetPool(), new RetainPool()];
    expect(pools.map((p) => (p as BufferPool).mode)).toEqual(['none', 'release-on-reset', 'discard-on-reset', 'retain']);
  });
});
