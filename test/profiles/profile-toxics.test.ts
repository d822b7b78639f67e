import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ToxicSet } from '../../faults/link/toxic-set.js';
import { loopbackPair, probe, type LoopbackPair } from '../link/loopback.js';

const dir = mkdtempSync(join(tmpdir(), 'h2race-schedule-toxic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let pair: LoopbackPair | undefined;
afterEach(async () => {
  await pair?.close();
  pair = undefined;
});

describe('profile and schedule toxics (through the same API as Toxiproxy’s)', () => {
  it('a profile toxic applies a preset to its direction: 2g up is 400 ms one way and 256 kbit/s', async () => {
    const toxics = new ToxicSet([{ type: 'profile', stream: 'upstream', attributes: { preset: '2g' } }]);
    pair = await loopbackPair({ toxics });
    expect(await probe(pair)).toBeGreaterThanOrEqual(395);
    // 16 kB at 256 kbit/s is 500 ms of serialisation on top of the 400 ms.
    expect(await probe(pair, 16_000)).toBeGreaterThanOrEqual(880);
  });

  it('an unknown preset is refused naming the attribute', () => {
    expect(() => new ToxicSet([{ type: 'profile', attributes: { preset: '9g' } }])).toThrow(/attributes\.preset: unknown preset "9g"/);
  });

  it('a schedule toxic walks its steps on each connection from the connection’s start', async () => {
    const file = join(dir, 'two-steps.yaml');
    writeFileSync(file, 'steps:\n  - at: 0s\n    faults: { latency: 0 }\n  - at: 400ms\n    faults: { latency: 500ms }\n');
    const toxics = new ToxicSet();
    const steps: number[] = [];
    let secondStep: () => void = () => {};
    const second = new Promise<void>((resolve) => (secondStep = resolve));
    pair = await loopbackPair({
      toxics,
      onDecision: (d) => {
        if (d.kind !== 'step') return;
        steps.push(performance.now());
        if (d.value === 2) secondStep();
      },
    });
    // The walk starts inside add(): a time taken before it is a lower bound of the walk's start,
    // where step 1's own record may come later by whatever setting up its toxics took.
    const beforeAdd = performance.now();
    toxics.add({ type: 'schedule', stream: 'upstream', attributes: { file } });
    expect(steps).toHaveLength(1);
    // Step 1 (no delay) is well apart from step 2's 500 ms, even on a loaded machine.
    expect(await probe(pair), 'first step: no latency').toBeLessThan(450);
    await second;
    expect(steps[1]! - beforeAdd, 'second step at 400 ms').toBeGreaterThanOrEqual(399);
    expect(await probe(pair), 'second step: 500 ms').toBeGreaterThanOrEqual(495);
  });

  it('a bad schedule file is refused naming the file and step', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'steps:\n  - at: 0s\n    preset: 9g\n');
    expect(() => new ToxicSet([{ type: 'schedule', attributes: { file } }])).toThrow(/attributes\.file: .*bad\.yaml: step 1 \(at 0s\): preset/);
  });

  it('a schedule that includes itself is refused, not a stack overflow', () => {
    const file = join(dir, 'self.yaml');
    writeFileSync(file, `steps:\n  - at: 0s\n    toxics: [{ type: schedule, attributes: { file: ${JSON.stringify(file)} } }]\n`);
    expect(() => new ToxicSet([{ type: 'schedule', attributes: { file } }])).toThrow(/cannot include itself/);
  });
});
