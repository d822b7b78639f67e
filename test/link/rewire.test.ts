import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLink } from '../../faults/link/link.js';
import { ToxicSet, type ToxicInput } from '../../faults/link/toxic-set.js';
import { SeededRandom } from '../../faults/random.js';

// Toxics that delay, cut and queue but never drop: whatever the changes, every byte must arrive once, in order.
const toxicArb: fc.Arbitrary<ToxicInput> = fc.oneof(
  fc.record({ type: fc.constant('latency'), attributes: fc.record({ latency: fc.integer({ min: 0, max: 4 }), jitter: fc.integer({ min: 0, max: 3 }) }) }),
  fc.record({ type: fc.constant('bandwidth'), attributes: fc.record({ rate: fc.integer({ min: 200, max: 2000 }) }) }),
  fc.record({ type: fc.constant('slicer'), attributes: fc.record({ average_size: fc.integer({ min: 1, max: 300 }), delay: fc.integer({ min: 0, max: 500 }) }) }),
  fc.record({ type: fc.constant('loss'), attributes: fc.record({ percent: fc.double({ min: 0, max: 30, noNaN: true }), rto: fc.integer({ min: 0, max: 3 }) }) }),
  fc.record({ type: fc.constant('noop'), attributes: fc.constant({}) }),
  fc.record({ type: fc.constant('latency'), toxicity: fc.constant(0.5), attributes: fc.record({ latency: fc.integer({ min: 1, max: 4 }) }) }),
);

const stepArb = fc.oneof(
  fc.record({ kind: fc.constant('write' as const), size: fc.integer({ min: 0, max: 3000 }) }),
  fc.record({ kind: fc.constant('set' as const), toxics: fc.array(toxicArb, { maxLength: 4 }) }),
  fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 4 }) }),
);

describe('changing the chain under traffic', () => {
  it('never loses, duplicates or reorders bytes, and fires every done once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 25 }), fc.integer(), async (steps, seed) => {
        const set = new ToxicSet();
        const received: Buffer[] = [];
        let ended = 0;
        const link = createLink({
          direction: 'downstream',
          random: new SeededRandom(seed),
          toxics: set,
          sink: (data, cb) => {
            received.push(Buffer.from(data));
            setImmediate(cb);
          },
          control: { end: () => ended++, reset: () => {} },
        });
        const sent: Buffer[] = [];
        const dones: number[] = [];
        let counter = 0;
        for (const step of steps) {
          if (step.kind === 'write') {
            const data = Buffer.alloc(step.size);
            for (let i = 0; i < data.length; i++) data[i] = counter++ & 0xff;
            const index = sent.push(data) - 1;
            dones[index] = 0;
            link.enqueue({ data, done: (err) => {
              expect(err).toBeUndefined();
              dones[index]!++;
            } });
          } else if (step.kind === 'set') {
            set.replace(step.toxics.map((t, i) => ({ ...t, name: `t${i}` })));
          } else {
            await new Promise((r) => setTimeout(r, step.ms));
          }
        }
        const finished = new Promise<void>((resolve) => {
          const check = setInterval(() => {
            if (ended === 1 && link.queuedChunks === 0) {
              clearInterval(check);
              resolve();
            }
          }, 2);
        });
        link.end();
        await finished;
        expect(Buffer.concat(received).equals(Buffer.concat(sent))).toBe(true);
        expect(dones.every((n) => n === 1)).toBe(true);
        expect(link.queuedBytes).toBe(0);
      }),
      { numRuns: 60, seed: 20261127 },
    );
  });

  it('with toxics that close or drop, what arrives is a prefix of what was sent and every done fires once', async () => {
    const closers: fc.Arbitrary<ToxicInput> = fc.oneof(
      toxicArb,
      fc.record({ type: fc.constant('limit_data'), attributes: fc.record({ bytes: fc.integer({ min: 0, max: 5000 }) }) }),
      fc.record({ type: fc.constant('timeout'), attributes: fc.record({ timeout: fc.integer({ min: 0, max: 5 }) }) }),
      fc.record({ type: fc.constant('reset_peer'), attributes: fc.record({ timeout: fc.integer({ min: 0, max: 5 }) }) }),
      fc.record({ type: fc.constant('slow_close'), attributes: fc.record({ delay: fc.integer({ min: 0, max: 5 }) }) }),
    );
    const steps = fc.array(
      fc.oneof(stepArb, fc.record({ kind: fc.constant('set' as const), toxics: fc.array(closers, { maxLength: 3 }) })),
      { minLength: 1, maxLength: 25 },
    );
    await fc.assert(
      fc.asyncProperty(steps, fc.integer(), async (script, seed) => {
        const set = new ToxicSet();
        const received: Buffer[] = [];
        const link = createLink({
          direction: 'upstream',
          random: new SeededRandom(seed),
          toxics: set,
          sink: (data, cb) => {
            received.push(Buffer.from(data));
            setImmediate(cb);
          },
          control: { end: () => {}, reset: () => {} },
        });
        const sent: Buffer[] = [];
        const dones: number[] = [];
        let counter = 0;
        for (const step of script) {
          if (step.kind === 'write') {
            const data = Buffer.alloc(step.size);
            for (let i = 0; i < data.length; i++) data[i] = counter++ & 0xff;
            const index = sent.push(data) - 1;
            dones[index] = 0;
            link.enqueue({ data, done: () => dones[index]!++ });
          } else if (step.kind === 'set') {
            set.replace(step.toxics.map((t, i) => ({ stream: 'upstream', ...t, name: `t${i}` })));
          } else {
            await new Promise((r) => setTimeout(r, step.ms));
          }
        }
        await new Promise((r) => setTimeout(r, 8));
        link.destroy();
        const all = Buffer.concat(sent);
        const got = Buffer.concat(received);
        expect(got.equals(all.subarray(0, got.length))).toBe(true);
        expect(dones.every((n) => n === 1)).toBe(true);
        expect(link.queuedChunks).toBe(0);
        expect(set.listenerCount('change')).toBe(0);
      }),
      { numRuns: 60, seed: 20261128 },
    );
  });
});
