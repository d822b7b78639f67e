import { afterEach, describe, expect, it } from 'vitest';
import { loopbackPair, receiveBytes, type LoopbackPair } from './loopback.js';
import { ToxicSet } from '../../faults/link/toxic-set.js';

let pair: LoopbackPair | undefined;
afterEach(async () => {
  await pair?.close();
  pair = undefined;
});

describe('latency toxic on a real socket', () => {
  it('an empty chain passes bytes straight through, in order', async () => {
    pair = await loopbackPair();
    const payload = Buffer.alloc(256 * 1024, 7);
    payload.writeUInt32BE(0xdeadbeef, 1000);
    const got = receiveBytes(pair.peer, payload.length);
    const t0 = performance.now();
    pair.linked.write(payload);
    const { at, data } = await got;
    expect(data.equals(payload)).toBe(true);
    expect(at - t0).toBeLessThan(400);
  });

  it('500 ms latency: the first byte cannot arrive in under 495 ms', async () => {
    const toxics = new ToxicSet([{ type: 'latency', stream: 'upstream', attributes: { latency: 500 } }]);
    pair = await loopbackPair({ toxics });
    const got = receiveBytes(pair.peer, 5);
    const t0 = performance.now();
    pair.linked.write('hello');
    const { at, data } = await got;
    expect(data.toString()).toBe('hello');
    expect(at - t0).toBeGreaterThanOrEqual(495);
    expect(at - t0).toBeLessThan(1500);
  });

  it('chained delays add up from the arrival time and keep byte order', async () => {
    const toxics = new ToxicSet([
      { type: 'latency', name: 'a', stream: 'upstream', attributes: { latency: 150 } },
      { type: 'latency', name: 'b', stream: 'upstream', attributes: { latency: 150, jitter: 100 } },
    ]);
    pair = await loopbackPair({ toxics });
    const chunks = Array.from({ length: 50 }, (_, i) => Buffer.from(`${String(i).padStart(3, '0')};`));
    const total = chunks.reduce((n, c) => n + c.length, 0);
    const got = receiveBytes(pair.peer, total);
    const t0 = performance.now();
    for (const c of chunks) pair.linked.write(c);
    const { at, data } = await got;
    expect(data.toString()).toBe(chunks.map(String).join(''));
    expect(at - t0).toBeGreaterThanOrEqual(195);
    expect(at - t0).toBeLessThan(1200);
  });

  it('a toxic added on the fly reaches the live connection', async () => {
    const toxics = new ToxicSet();
    pair = await loopbackPair({ toxics });
    const first = receiveBytes(pair.peer, 1);
    const t0 = performance.now();
    pair.linked.write('a');
    expect((await first).at - t0).toBeLessThan(400);
    toxics.add({ type: 'latency', stream: 'upstream', attributes: { latency: 800 } });
    const second = receiveBytes(pair.peer, 1);
    const t1 = performance.now();
    pair.linked.write('b');
    expect((await second).at - t1).toBeGreaterThanOrEqual(795);
    toxics.remove('latency_upstream');
    const third = receiveBytes(pair.peer, 1);
    const t2 = performance.now();
    pair.linked.write('c');
    expect((await third).at - t2).toBeLessThan(400);
  });
});
