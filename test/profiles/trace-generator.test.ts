import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateTraceLines, writeTempTrace, type RateStep } from '../../faults/profiles/trace-generator.js';
import { loadTrace, parseTrace, traceCapacity } from '../../faults/profiles/trace-loader.js';

/** Opportunities in [fromMs, toMs), counted straight from the lines. */
function countIn(lines: readonly string[], fromMs: number, toMs: number): number {
  return lines.filter((l) => Number(l) >= fromMs && Number(l) < toMs).length;
}

describe('trace generator', () => {
  const drive: RateStep[] = [{ ms: 4000, mbps: 12 }, { ms: 600, mbps: 0 }, { ms: 3000, mbps: 3 }];

  it('the same profile and seed give the same lines; another seed other lines', () => {
    const a = generateTraceLines(drive, 5);
    expect(generateTraceLines(drive, 5)).toEqual(a);
    expect(generateTraceLines(drive, 6)).not.toEqual(a);
  });

  it('lines are Mahimahi: integer ms, nondecreasing, the last one at the profile end', () => {
    const lines = generateTraceLines(drive, 5);
    expect(lines.every((l) => /^\d+$/.test(l))).toBe(true);
    const times = lines.map(Number);
    expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true);
    expect(times.at(-1)).toBe(7600);
    // The loader agrees: the period is the profile's length.
    expect(parseTrace('generated', lines.join('\n')).period).toBe(7600);
  });

  it('each step delivers its mean rate (±5% over seconds of opportunities), an outage nothing', () => {
    const lines = generateTraceLines(drive, 5);
    // 12 Mbit/s = 1000 opportunities of 1500 B per second; 3 Mbit/s = 250.
    expect(countIn(lines, 0, 4000)).toBeGreaterThanOrEqual(4000 * 0.95);
    expect(countIn(lines, 0, 4000)).toBeLessThanOrEqual(4000 * 1.05);
    expect(countIn(lines, 4000, 4600)).toBe(0);
    // The last line marks the end (7600) and is not part of the 3 Mbit/s step.
    expect(countIn(lines, 4600, 7600)).toBeGreaterThanOrEqual(750 * 0.95);
    expect(countIn(lines, 4600, 7600)).toBeLessThanOrEqual(750 * 1.05);
  });

  it('packets bunch like a cellular link: some ms carry several, some none', () => {
    const lines = generateTraceLines([{ ms: 2000, mbps: 12 }], 9);
    const perMs = new Map<string, number>();
    for (const l of lines) perMs.set(l, (perMs.get(l) ?? 0) + 1);
    expect(Math.max(...perMs.values())).toBeGreaterThanOrEqual(3);
    expect(perMs.size).toBeLessThan(1900);
  });

  it('a profile ending in an outage still loops with its full length', () => {
    const lines = generateTraceLines([{ ms: 1000, mbps: 1.2 }, { ms: 500, mbps: 0 }], 1);
    const trace = parseTrace('t', lines.join('\n'));
    expect(trace.period).toBe(1500);
    expect(traceCapacity(trace, 1000, 1499)).toBe(0);
  });

  it('an all-outage profile is one opportunity at its end', () => {
    expect(generateTraceLines([{ ms: 300, mbps: 0 }], 1)).toEqual(['300']);
  });

  it.each([
    [[], /trace profile: needs at least one step/],
    [[{ ms: 0, mbps: 1 }], /trace profile: step 1: ms must be a positive integer, got 0/],
    [[{ ms: 100, mbps: 1 }, { ms: 1.5, mbps: 1 }], /trace profile: step 2: ms must be a positive integer, got 1.5/],
    [[{ ms: 100, mbps: -1 }], /trace profile: step 1: mbps must be a finite number ≥ 0, got -1/],
    [[{ ms: 100, mbps: Number.NaN }], /trace profile: step 1: mbps must be a finite number ≥ 0, got NaN/],
  ])('rejects %j naming the step and field', (steps, message) => {
    expect(() => generateTraceLines(steps, 1)).toThrow(message);
  });

  it('writeTempTrace writes a file the loader reads, and remove() deletes its folder', () => {
    const lines = generateTraceLines(drive, 2);
    const trace = writeTempTrace('drive.down', lines);
    try {
      expect(readFileSync(trace.file, 'utf8')).toBe(`${lines.join('\n')}\n`);
      const loaded = loadTrace(trace.file);
      expect(loaded.times.length).toBe(lines.length);
      expect(traceCapacity(loaded, 0, 1000)).toBe(countIn(lines, 0, 1000) * 1500);
    } finally {
      trace.remove();
    }
    expect(existsSync(dirname(trace.file))).toBe(false);
  });
});
