/** reorder: frames of different streams overtake each other, and HTTP/2 never notices. */
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { FrameType } from '../../h2/frame/constants.js';
import type { OutboundFrame } from '../../h2/proto/pending-frames.js';
import { PendingState } from '../../h2/proto/pending-frames.js';
import { createBufferPool } from '../../faults/pool/create-pool.js';
import { SeededRandom } from '../../faults/random.js';
import { reorderToxic } from '../../faults/toxics/reorder.js';
import { closeClient, connect, get, startFrameServer, type FrameServer } from './harness.js';

const pool = createBufferPool('none');

function frameOf(streamId: number, type: number, seq: number): OutboundFrame & { seq: number } {
  const lease = pool.acquire(9, { connection: 1, streamId, frameType: type });
  return { header: { length: 0, type, flags: 0, streamId }, lease, state: PendingState.Queued, seq };
}

/** A connection's worth of output: DATA of three streams, new streams' HEADERS, connection frames. */
function traffic(): Array<OutboundFrame & { seq: number }> {
  const rng = new SeededRandom(7, 'traffic');
  const frames: Array<OutboundFrame & { seq: number }> = [];
  for (let seq = 0; seq < 400; seq++) {
    const r = rng.next();
    if (r < 0.05) frames.push(frameOf(0, FrameType.WINDOW_UPDATE, seq));
    else if (r < 0.12) frames.push(frameOf(2 * rng.int(1, 3) + 1, FrameType.HEADERS, seq));
    else frames.push(frameOf(2 * rng.int(1, 3) + 1, FrameType.DATA, seq));
  }
  return frames;
}

function runReorder(seed: number, window: number, probability: number): Array<OutboundFrame & { seq: number }> {
  const instance = reorderToxic.impl.open(reorderToxic.schema.parse({ window, probability }), {
    rng: new SeededRandom(seed, 'reorder'),
    log: pino({ level: 'silent' }),
    setTimer: () => {},
    record: () => {},
  });
  const out: Array<OutboundFrame & { seq: number }> = [];
  const emit = (f: OutboundFrame): void => void out.push(f as OutboundFrame & { seq: number });
  const input = traffic();
  input.forEach((f, i) => {
    instance.outbound!(f, emit);
    if (i % 50 === 49) instance.flush!(emit); // write batches end now and then
  });
  instance.flush!(emit);
  return out;
}

describe('reorder toxic (frame level)', () => {
  it('reorders only what HTTP/2 allows', () => {
    const input = traffic();
    const out = runReorder(1, 6, 0.5);
    expect(out.map((f) => f.seq).sort((a, b) => a - b)).toEqual(input.map((f) => f.seq));
    expect(out.map((f) => f.seq)).not.toEqual(input.map((f) => f.seq));
    const position = new Map(out.map((f, i) => [f.seq, i]));
    // A stream's own frames, and HEADERS among themselves, keep their order.
    for (const key of [1, 3, 5, 7, 'headers'] as const) {
      const seqs = out.filter((f) => (key === 'headers' ? f.header.type === FrameType.HEADERS : f.header.streamId === key)).map((f) => f.seq);
      expect(seqs, `order of ${key}`).toEqual([...seqs].sort((a, b) => a - b));
    }
    // Connection frames keep their place: nothing crosses them either way.
    for (const c of out.filter((f) => f.header.streamId === 0)) {
      for (const f of out) {
        if (f.seq < c.seq) expect(position.get(f.seq)!).toBeLessThan(position.get(c.seq)!);
        if (f.seq > c.seq) expect(position.get(f.seq)!).toBeGreaterThan(position.get(c.seq)!);
      }
    }
    // No frame is overtaken by more than `window` others... plus those queued behind it on its stream.
    out.forEach((f, i) => expect(i - input.findIndex((g) => g.seq === f.seq)).toBeLessThanOrEqual(6 * 2));
  });

  it('the same seed gives the same order; another seed another', () => {
    const order = (seed: number): number[] => runReorder(seed, 6, 0.5).map((f) => f.seq);
    expect(order(42)).toEqual(order(42));
    expect(order(42)).not.toEqual(order(43));
  });
});

describe.each([false, true])('reorder toxic on a real connection (tls=%s)', (tls) => {
  let server: FrameServer | undefined;
  afterEach(async () => {
    await server?.close();
    expect(server?.pool.stats().inUse).toBe(0);
    server = undefined;
  });

  it('concurrent downloads arrive byte-exact, no protocol error at the node:http2 client', async () => {
    const bodies = [1, 2, 3, 4].map((n) => Buffer.alloc(150_000 + n * 1000, n));
    server = await startFrameServer({
      tls,
      pool: createBufferPool('retain'),
      toxics: [
        { type: 'reorder', attributes: { window: 8, probability: 0.5 } },
        { type: 'latency', stream: 'downstream', attributes: { latency: 5 } },
      ],
      handler: (stream, headers) => {
        const body = bodies[Number(String(headers[':path']).slice(1))]!;
        stream.respond({ ':status': 200 });
        for (let at = 0; at < body.length; at += 10_000) stream.write(body.subarray(at, at + 10_000));
        stream.end();
      },
    });
    const client = connect(server);
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(bodies.map((_b, i) => get(client, `/${i}`)));
      results.forEach((r, i) => expect(r.body.equals(bodies[i]!), `body ${i}`).toBe(true));
    }
    expect(server.decisions.filter((d) => d.kind === 'hold').length).toBeGreaterThan(0);
    expect(server.seen.filter((s) => s.includes('GOAWAY'))).toEqual([]);
    await closeClient(client);
  });

  it('follows toxic changes on the live connection', async () => {
    const body = Buffer.alloc(300_000, 9);
    server = await startFrameServer({
      tls,
      pool: createBufferPool('retain'),
      handler: (stream) => {
        stream.respond({ ':status': 200 });
        for (let at = 0; at < body.length; at += 10_000) stream.write(body.subarray(at, at + 10_000));
        stream.end();
      },
    });
    const client = connect(server);
    const fetchAll = async (): Promise<void> => {
      const results = await Promise.all([1, 2, 3].map(() => get(client, '/')));
      for (const r of results) expect(r.body.equals(body)).toBe(true);
    };
    await fetchAll();
    expect(server.decisions).toEqual([]);
    server.toxics.add({ type: 'reorder', attributes: { window: 8, probability: 1 } });
    await fetchAll();
    const holds = server.decisions.length;
    expect(holds).toBeGreaterThan(0);
    server.toxics.remove('reorder_downstream');
    await fetchAll();
    expect(server.decisions.length).toBe(holds);
    await closeClient(client);
  });
});
