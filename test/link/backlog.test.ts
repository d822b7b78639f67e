/**
 * What a link's backpressure counts: its backlog (bytes waiting before the wire), not what a
 * latency stage holds (on the wire) nor a chunk's bytes that already left. Counting those capped
 * a shaped path at 64 KiB per one-way delay and idled its bottleneck for a one-way delay per chunk
 * (issue 20: 3g delivered 137 kB/s of 200, satellite 201 of 3125).
 */
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { createLink } from '../../faults/link/link.js';
import { ToxicSet } from '../../faults/link/toxic-set.js';
import type { Link, ToxicSpec } from '../../faults/link/types.js';
import { SeededRandom } from '../../faults/random.js';
import { loopbackPair, receiveBytes, type LoopbackPair } from './loopback.js';

let pair: LoopbackPair | undefined;
const links: Link[] = [];
afterEach(async () => {
  for (const link of links.splice(0)) link.destroy();
  await pair?.close();
  pair = undefined;
});

function spec(type: string, attributes: Record<string, unknown>): ToxicSpec {
  return { name: type, type, stream: 'downstream', toxicity: 1, attributes };
}

function memoryLink(toxics: ToxicSpec[], highWaterMark: number): { link: Link; sunk: number[] } {
  const sunk: number[] = [];
  const link = createLink({
    direction: 'downstream',
    random: new SeededRandom(3),
    toxics,
    highWaterMark,
    sink: (data, cb) => {
      sunk.push(data.length);
      setImmediate(cb);
    },
    control: { end: () => {}, reset: () => {} },
  });
  links.push(link);
  return { link, sunk };
}

describe('link backlog', () => {
  it('bytes a latency stage holds are on the wire: queued, but no backlog', () => {
    const { link } = memoryLink([spec('latency', { latency: 10_000 })], 16 * 1024);
    link.enqueue({ data: Buffer.alloc(200_000) });
    expect(link.queuedBytes).toBe(200_000);
    expect(link.backlogBytes).toBe(0);
  });

  it('a bottleneck holds a backlog; its bytes leave it piece by piece, into the wire, long before the chunk is written', async () => {
    // 1 MB/s then 10 s of propagation: the 64 KiB chunk crosses the bottleneck in ~65 ms.
    const { link, sunk } = memoryLink([spec('bandwidth', { rate: 1000 }), spec('latency', { latency: 10_000 })], 16 * 1024);
    link.enqueue({ data: Buffer.alloc(64 * 1024) });
    expect(link.backlogBytes).toBe(64 * 1024);
    await once(link, 'drain');
    expect(link.backlogBytes).toBeLessThan(16 * 1024);
    expect(link.queuedBytes).toBe(64 * 1024);
    expect(sunk).toEqual([]);
  });

  it('a LinkedSocket takes the next write as soon as its backlog allows, while earlier bytes are still on the wire', async () => {
    pair = await loopbackPair({ toxics: new ToxicSet([{ type: 'latency', stream: 'upstream', attributes: { latency: 500 } }]) });
    let arrived = false;
    const got = receiveBytes(pair.peer, 3 * 64 * 1024).then((r) => ((arrived = true), r));
    const written: boolean[] = [];
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((resolve) => pair!.linked.write(Buffer.alloc(64 * 1024, i), () => resolve()));
      written.push(arrived);
    }
    expect(written).toEqual([false, false, false]);
    expect(pair.linked.link.backlogBytes).toBe(0);
    const { data } = await got;
    expect([data[0], data[64 * 1024], data[2 * 64 * 1024]]).toEqual([0, 1, 2]);
    expect(pair.linked.link.queuedBytes).toBe(0);
  });

  it("a producer that answers 'drain' at once cannot overtake the piece whose leaving fired it", async () => {
    // 1 Gbit/s: both pieces leave the bottleneck as soon as they arrive; then 5 ms of propagation.
    const { link, sunk } = memoryLink([spec('bandwidth', { bits: 1e9 }), spec('latency', { latency: 5 })], 1000);
    link.once('drain', () => link.enqueue({ data: Buffer.alloc(1) }));
    const all = new Promise<void>((resolve) => link.enqueue({ data: Buffer.alloc(2000), done: () => resolve() }));
    await all;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sunk).toEqual([2000, 1]);
  });

  it('a profile toxic (bandwidth and latency inside one stage) keeps its propagation out of the backlog too', async () => {
    const { link, sunk } = memoryLink([spec('profile', { preset: 'satellite' })], 16 * 1024);
    // Satellite's downlink is 3.125 MB/s: 20 kB cross its bottleneck in one 10 ms slice, then wait 300 ms.
    link.enqueue({ data: Buffer.alloc(20_000) });
    await once(link, 'drain');
    expect(link.backlogBytes).toBe(0);
    expect(link.queuedBytes).toBe(20_000);
    expect(sunk).toEqual([]);
  });
});
