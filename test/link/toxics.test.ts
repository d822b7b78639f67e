import { once } from 'node:events';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ToxicSet, type ToxicInput } from '../../faults/link/toxic-set.js';
import { generateTraceLines, writeTempTrace } from '../../faults/profiles/trace-generator.js';
import { loadTrace } from '../../faults/profiles/trace-loader.js';
import { loopbackPair, receiveBytes, type LoopbackPair } from './loopback.js';

// A 3G-like downlink (~0.4 Mbit/s, then an outage): its first 20 opportunities spread over a second.
const slowCellular = writeTempTrace('slow-cellular.down', generateTraceLines([{ ms: 1000, mbps: 0.4 }, { ms: 500, mbps: 0 }, { ms: 2500, mbps: 0.2 }], 13));
afterAll(() => slowCellular.remove());

let pair: LoopbackPair | undefined;
afterEach(async () => {
  await pair?.close();
  pair = undefined;
});

async function withToxic(toxic: ToxicInput): Promise<LoopbackPair> {
  pair = await loopbackPair({ toxics: new ToxicSet([{ stream: 'upstream', ...toxic }]) });
  return pair;
}

/** Everything the peer receives until it sees FIN or an error, with times. */
function collect(p: LoopbackPair): Promise<{ data: Buffer; endAt: number; error?: NodeJS.ErrnoException }> {
  return new Promise((done) => {
    const parts: Buffer[] = [];
    p.peer.on('data', (d: Buffer) => parts.push(d));
    p.peer.once('end', () => done({ data: Buffer.concat(parts), endAt: performance.now() }));
    p.peer.once('error', (error) => done({ data: Buffer.concat(parts), endAt: performance.now(), error }));
  });
}

describe('link toxics on a real socket', () => {
  it('bandwidth 1 Mbit/s cannot move 50 kB in under 380 ms, and builds a backlog', async () => {
    const p = await withToxic({ type: 'bandwidth', attributes: { bits: 1_000_000 } });
    const payload = Buffer.alloc(50_000, 1);
    const got = receiveBytes(p.peer, payload.length);
    const t0 = performance.now();
    p.linked.write(payload);
    expect(p.linked.link.queuedBytes).toBeGreaterThan(40_000);
    await new Promise((r) => setTimeout(r, 150));
    expect(p.linked.link.queuedBytes).toBeGreaterThan(10_000);
    const { at } = await got;
    expect(at - t0).toBeGreaterThanOrEqual(380);
    expect(at - t0).toBeLessThan(2000);
    expect(p.linked.link.queuedBytes).toBe(0);
  });

  it('bandwidth rate is in KB/s (1 KB = 1000 B): rate 100 moves 30 kB in ~300 ms', async () => {
    const p = await withToxic({ type: 'bandwidth', attributes: { rate: 100 } });
    const got = receiveBytes(p.peer, 30_000);
    const t0 = performance.now();
    p.linked.write(Buffer.alloc(30_000));
    const { at } = await got;
    expect(at - t0).toBeGreaterThanOrEqual(285);
    expect(at - t0).toBeLessThan(1500);
  });

  it('slow_close holds the FIN, not the data', async () => {
    const p = await withToxic({ type: 'slow_close', attributes: { delay: 800 } });
    const result = collect(p);
    const t0 = performance.now();
    const first = receiveBytes(p.peer, 4);
    p.linked.end('data');
    expect((await first).at - t0).toBeLessThan(400);
    const { data, endAt } = await result;
    expect(data.toString()).toBe('data');
    expect(endAt - t0).toBeGreaterThanOrEqual(795);
  });

  it('timeout stops all data and closes after the timeout', async () => {
    const p = await withToxic({ type: 'timeout', attributes: { timeout: 300 } });
    const result = collect(p);
    const t0 = performance.now();
    p.linked.write('never delivered');
    const { data, endAt } = await result;
    expect(data.length).toBe(0);
    expect(endAt - t0).toBeGreaterThanOrEqual(290);
    expect(endAt - t0).toBeLessThan(2000);
  });

  it('timeout 0 holds forever, and removing it closes the connection', async () => {
    const toxics = new ToxicSet([{ type: 'timeout', stream: 'upstream', attributes: { timeout: 0 } }]);
    pair = await loopbackPair({ toxics });
    const result = collect(pair);
    pair.linked.write('held');
    await new Promise((r) => setTimeout(r, 300));
    const t0 = performance.now();
    toxics.remove('timeout_upstream');
    const { data, endAt } = await result;
    expect(data.length).toBe(0);
    expect(endAt - t0).toBeLessThan(1000);
  });

  it('reset_peer resets the connection timeout ms after the first data', async () => {
    const p = await withToxic({ type: 'reset_peer', attributes: { timeout: 250 } });
    const result = collect(p);
    const t0 = performance.now();
    p.linked.write('x');
    const { data, endAt, error } = await result;
    expect(error?.code).toBe('ECONNRESET');
    expect(data.length).toBe(0);
    expect(endAt - t0).toBeGreaterThanOrEqual(245);
  });

  it('slicer cuts data into slices delay µs apart', async () => {
    const p = await withToxic({ type: 'slicer', attributes: { average_size: 10, size_variation: 0, delay: 30_000 } });
    const events: number[] = [];
    p.peer.on('data', (d: Buffer) => events.push(d.length));
    const got = receiveBytes(p.peer, 100);
    const t0 = performance.now();
    p.linked.write(Buffer.alloc(100, 2));
    const { at } = await got;
    // 10 slices, 9 gaps of 30 ms before the last one.
    expect(at - t0).toBeGreaterThanOrEqual(265);
    expect(events.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...events)).toBeLessThanOrEqual(30);
  });

  it('limit_data lets exactly bytes through, then closes', async () => {
    const p = await withToxic({ type: 'limit_data', attributes: { bytes: 100 } });
    const result = collect(p);
    const closed = once(p.linked, 'close');
    p.linked.write(Buffer.alloc(60, 3));
    p.linked.write(Buffer.alloc(240, 4));
    const { data } = await result;
    expect(data.length).toBe(100);
    expect(data.subarray(0, 60).every((b) => b === 3)).toBe(true);
    expect(data.subarray(60).every((b) => b === 4)).toBe(true);
    await closed;
  });

  it('limit_data keeps its count when the toxic is updated, as Toxiproxy does', async () => {
    const toxics = new ToxicSet([{ type: 'limit_data', stream: 'upstream', attributes: { bytes: 100 } }]);
    pair = await loopbackPair({ toxics });
    const result = collect(pair);
    const first = receiveBytes(pair.peer, 60);
    pair.linked.write(Buffer.alloc(60, 5));
    await first;
    toxics.update('limit_data_upstream', { attributes: { bytes: 150 } });
    pair.linked.write(Buffer.alloc(200, 6));
    const { data } = await result;
    expect(data.length).toBe(150);
  });

  it('loss 100%: no segment arrives to acknowledge another, so all 3 wait for the RTO (test/link/loss-recovery.test.ts: fast retransmit)', async () => {
    const p = await withToxic({ type: 'loss', attributes: { percent: 100, rto: 100 } });
    const got = receiveBytes(p.peer, 4000);
    const t0 = performance.now();
    p.linked.write(Buffer.alloc(4000));
    expect(p.linked.link.delivery.bytes).toBe(0);
    const { at } = await got;
    expect(at - t0).toBeGreaterThanOrEqual(99);
    expect(at - t0).toBeLessThan(1500);
  });

  it('loss stalls what follows a lost segment too (head-of-line)', async () => {
    const p = await withToxic({ type: 'loss', attributes: { percent: 100, rto: 300 } });
    const got = receiveBytes(p.peer, 11);
    const t0 = performance.now();
    p.linked.write('a');
    // Ten one-byte writes: all inside the first segment, so none is lost itself, but each waits.
    for (let i = 0; i < 10; i++) p.linked.write('b');
    const { at, data } = await got;
    expect(data.toString()).toBe('abbbbbbbbbb');
    expect(at - t0).toBeGreaterThanOrEqual(295);
  });

  it('toxicity 0 never fires', async () => {
    const p = await withToxic({ type: 'latency', toxicity: 0, attributes: { latency: 1000 } });
    const got = receiveBytes(p.peer, 1);
    const t0 = performance.now();
    p.linked.write('z');
    expect((await got).at - t0).toBeLessThan(600);
  });

  it('a trace replays its delivery schedule (a generated 3G-like downlink, first 20 opportunities)', async () => {
    const { file } = slowCellular;
    const { times } = loadTrace(file);
    const toxics = new ToxicSet();
    pair = await loopbackPair({ toxics });
    const arrivals: Array<{ at: number; total: number }> = [];
    let total = 0;
    pair.peer.on('data', (d: Buffer) => arrivals.push({ at: performance.now(), total: (total += d.length) }));
    const got = receiveBytes(pair.peer, 20 * 1500);
    const t0 = performance.now();
    toxics.add({ type: 'trace', stream: 'upstream', attributes: { file } });
    pair.linked.write(Buffer.alloc(20 * 1500));
    await got;
    for (const k of [8, 9, 13, 20]) {
      const expected = times[k - 1]!;
      const reached = arrivals.find((a) => a.total >= k * 1500)!.at - t0;
      expect(reached).toBeGreaterThanOrEqual(expected - 2);
      // Loose: a loaded machine may run late, never early.
      expect(reached).toBeLessThan(expected + 250);
      // Not one opportunity early: the previous one did not carry these bytes.
      const before = arrivals.filter((a) => a.at - t0 < times[k - 1]! - 2).at(-1)?.total ?? 0;
      expect(before).toBeLessThan(k * 1500);
    }
  });
});
