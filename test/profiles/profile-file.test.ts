import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadProfileFile } from '../../faults/profiles/profile-file.js';
import { planFaults } from '../../faults/profiles/plan.js';
import { generateTraceLines } from '../../faults/profiles/trace-generator.js';
import { loadTrace, parseTrace, traceCapacity } from '../../faults/profiles/trace-loader.js';

const dir = mkdtempSync(join(tmpdir(), 'h2race-profiles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('profile files', () => {
  it('loads timed steps of presets, single faults and raw toxics', () => {
    const path = file(
      'walk.yaml',
      `description: leaving the house
loop: true
period: 30s
steps:
  - at: 0s
    preset: wifi
  - at: 10s
    label: tunnel
    faults: { latency: 400ms, loss: 5% }
  - at: 20s
    preset: 4g
    toxics:
      - { type: slicer, stream: downstream, attributes: { average_size: 200, delay: 500 } }
`,
    );
    const schedule = loadProfileFile(path);
    expect(schedule).toMatchObject({ loop: true, period: 30_000 });
    expect(schedule.steps.map((s) => [s.at, s.label])).toEqual([[0, 'wifi'], [10_000, 'tunnel'], [20_000, '4g']]);
    expect(schedule.steps[1]!.toxics.find((t) => t.name === 'loss_downstream')!.attributes).toMatchObject({ percent: 5 });
    expect(schedule.steps[2]!.toxics.map((t) => t.name)).toContain('slicer_downstream');
    const plan = planFaults({ profile: path, latency: 5 });
    expect(plan.schedule!.steps[1]!.toxics.find((t) => t.name === 'latency_upstream')!.attributes).toMatchObject({ latency: 5 });
    expect(plan.toxics).toEqual(plan.schedule!.steps[0]!.toxics);
  });

  it('the example profile shipped with h2race loads', () => {
    const schedule = loadProfileFile(resolve(import.meta.dirname, '../../faults/profiles/examples/commute.yaml'));
    expect(schedule.steps.map((s) => s.label)).toEqual(['wifi', '4g', 'tunnel', 'lossy-mobile', 'slicing proxy on the train Wi-Fi']);
    expect(schedule.period).toBe(60_000);
  });

  it('a file without steps is one step at 0s', () => {
    const schedule = loadProfileFile(file('fixed.yml', 'preset: dsl\nfaults: { jitter: 5ms }\n'));
    expect(schedule.steps).toHaveLength(1);
    expect(schedule.steps[0]!.faults).toMatchObject({ preset: 'dsl', jitter: 5 });
  });

  it.each([
    ['bad-unit.yaml', 'steps:\n  - at: 0s\n    preset: 4g\n  - at: 5s\n    faults: { latency: fast }\n', /bad-unit\.yaml: step 2 \(at 5s\): faults\.latency: "fast" is not a duration/],
    ['bad-preset.yaml', 'steps:\n  - at: 1s\n    preset: 6g\n', /bad-preset\.yaml: step 1 \(at 1s\): preset: unknown preset "6g"/],
    ['bad-key.yaml', 'steps:\n  - at: 0s\n    faults: { latncy: 5ms }\n', /bad-key\.yaml: step 1 \(at 0s\): faults: .*latncy/],
    ['bad-order.yaml', 'steps:\n  - at: 5s\n    preset: 4g\n  - at: 2s\n    preset: 3g\n', /bad-order\.yaml: step 2 \(at 2s\): at: steps must be in time order/],
    ['bad-loop.yaml', 'loop: true\nsteps:\n  - at: 0s\n    preset: 4g\n', /bad-loop\.yaml: period: a looping profile needs a period/],
    ['bad-toxic.yaml', 'steps:\n  - at: 0s\n    toxics: [{ type: bandwidth, attributes: { rate: 1.5 } }]\n', /bad-toxic\.yaml: step 1 \(at 0s\): toxics\.0\.attributes\.rate/],
    ['bad-trace.yaml', 'steps:\n  - at: 3s\n    faults: { traceDown: /nonexistent/x.down }\n', /bad-trace\.yaml: step 1 \(at 3s\): .*cannot read trace/],
    ['bad-yaml.yaml', 'steps: [\n', /bad-yaml\.yaml: not valid YAML/],
  ])('%s: the error names the file, the step and the field', (name, text, message) => {
    expect(() => loadProfileFile(file(name, text))).toThrow(message);
  });
});

describe('Mahimahi traces', () => {
  it('loads a generated cellular trace and knows its capacity', () => {
    // 3G-like: a slow second, an outage, a slower stretch; 4 s, looping.
    const lines = generateTraceLines([{ ms: 1000, mbps: 0.4 }, { ms: 500, mbps: 0 }, { ms: 2500, mbps: 0.2 }], 13);
    const path = file('cellular.down', `${lines.join('\n')}\n`);
    const trace = loadTrace(path);
    expect(trace.times.length).toBe(lines.length);
    expect(trace.period).toBe(Number(lines.at(-1)));
    const inFirstSecond = lines.filter((l) => Number(l) < 1000).length;
    expect(inFirstSecond).toBeGreaterThan(0);
    expect(traceCapacity(trace, 0, 1000)).toBe(inFirstSecond * 1500);
    // Looping: the second loop starts at the period.
    expect(traceCapacity(trace, trace.period, trace.period + 1000)).toBe(inFirstSecond * 1500);
    // The outage (1000–1500 ms) delivers nothing, in every loop.
    expect(traceCapacity(trace, 1000, 1500)).toBe(0);
    expect(traceCapacity(trace, trace.period + 1000, trace.period + 1500)).toBe(0);
  });

  it('a one-line "1" trace is a 12 Mbit/s link', () => {
    const trace = parseTrace('one', '1\n');
    expect(traceCapacity(trace, 0, 1000) * 8).toBe(12_000_000);
  });

  it.each([
    ['5\n3\n', /t:2: timestamps must be monotonically nondecreasing/],
    ['0\n0\n', /t: trace must last for a nonzero amount of time/],
    ['1\n2.5\n', /t:2: not a nonnegative integer/],
    ['', /t: trace is empty/],
  ])('rejects %j naming file and line', (text, message) => {
    expect(() => parseTrace('t', text)).toThrow(message);
  });
});
