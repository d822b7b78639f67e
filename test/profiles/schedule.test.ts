import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ToxicSet } from '../../faults/link/toxic-set.js';
import { parseProfile } from '../../faults/profiles/profile-file.js';
import { ScheduleRunner } from '../../faults/profiles/schedule-runner.js';
import { loopbackPair, probe, type LoopbackPair } from '../link/loopback.js';

const logger = pino({ level: 'silent' });
let pair: LoopbackPair | undefined;
let runner: ScheduleRunner | undefined;
afterEach(async () => {
  runner?.stop();
  await pair?.close();
  pair = runner = undefined;
});

const sleepUntil = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - performance.now())));

describe('schedules', () => {
  it('each step takes effect on a live connection at its time', async () => {
    const schedule = parseProfile(
      'inline.yaml',
      `steps:
  - at: 0s
    faults: { latency: 0 }
  - at: 600ms
    label: slow
    faults: { latency: 500ms }
  - at: 1500ms
    label: fast again
    faults: { latency: 0 }
`,
    );
    const set = new ToxicSet();
    pair = await loopbackPair({ toxics: set });
    const applied: Array<[string, number]> = [];
    runner = new ScheduleRunner(schedule, set, logger);
    const t0 = performance.now();
    runner.on('step', (step) => applied.push([step.label, performance.now() - t0]));
    const slow = new Promise<void>((r) => runner!.on('step', (step) => step.label === 'slow' && r()));
    const done = new Promise<void>((r) => runner!.once('done', () => r()));
    runner.start();
    expect(applied.map(([label]) => label)).toEqual(['step 1']);

    await sleepUntil(t0 + 100);
    expect(await probe(pair)).toBeLessThan(400);
    await slow;
    expect(await probe(pair)).toBeGreaterThanOrEqual(495);
    await done;
    expect(await probe(pair)).toBeLessThan(400);

    const at = Object.fromEntries(applied);
    expect(at['slow']).toBeGreaterThanOrEqual(599);
    expect(at['slow']).toBeLessThan(1000);
    expect(at['fast again']).toBeGreaterThanOrEqual(1499);
    expect(at['fast again']).toBeLessThan(2000);
  });

  it('a looping schedule starts over every period, logging each change', async () => {
    const schedule = parseProfile(
      'loop.yaml',
      `loop: true
period: 300ms
steps:
  - at: 0s
    preset: 4g
  - at: 150ms
    preset: 3g
`,
    );
    const lines: Array<{ label: string; cycle: number }> = [];
    const stream = { write: (line: string) => void lines.push(JSON.parse(line)) };
    const set = new ToxicSet();
    runner = new ScheduleRunner(schedule, set, pino({ level: 'info' }, stream));
    const t0 = performance.now();
    const stepTimes: number[] = [];
    const fifth = new Promise<void>((resolve) =>
      runner!.on('step', () => {
        if (stepTimes.push(performance.now() - t0) === 5) resolve();
      }),
    );
    runner.start();
    await fifth;
    runner.stop();
    // Steps at 0, 150, 300, 450, 600 ms.
    expect(lines.map((l) => `${l.label}@${l.cycle}`)).toEqual(['4g@0', '3g@0', '4g@1', '3g@1', '4g@2']);
    stepTimes.forEach((t, i) => expect(t).toBeGreaterThanOrEqual(i * 150 - 1));
    expect(set.get('latency_downstream')!.attributes).toMatchObject({ latency: 83 });
  });
});
