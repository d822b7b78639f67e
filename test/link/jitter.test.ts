import { describe, expect, it } from 'vitest';
import { JitterSource, type JitterDistribution } from '../../faults/toxics/jitter.js';
import { SeededRandom } from '../../faults/random.js';

const N = 100_000;

function draws(distribution: JitterDistribution, correlation = 0, seed = 3): Float64Array {
  const source = new JitterSource(distribution, correlation, new SeededRandom(seed, distribution));
  const out = new Float64Array(N);
  for (let i = 0; i < N; i++) out[i] = source.next();
  return out;
}

function stats(xs: Float64Array): { mean: number; sd: number; median: number; p99: number; min: number; lag1: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
  let cov = 0;
  for (let i = 1; i < xs.length; i++) cov += (xs[i]! - mean) * (xs[i - 1]! - mean);
  const sorted = Float64Array.from(xs).sort();
  return {
    mean,
    sd,
    median: sorted[xs.length >> 1]!,
    p99: sorted[Math.floor(xs.length * 0.99)]!,
    min: sorted[0]!,
    lag1: cov / (xs.length - 1) / sd ** 2,
  };
}

describe('jitter distributions (seeded draws)', () => {
  it('uniform is Toxiproxy’s [−1, +1): flat, mean 0, sd 1/√3', () => {
    const s = stats(draws('uniform'));
    expect(Math.abs(s.mean)).toBeLessThan(0.01);
    expect(s.sd).toBeCloseTo(1 / Math.sqrt(3), 2);
    expect(s.min).toBeGreaterThanOrEqual(-1);
    expect(s.p99).toBeCloseTo(0.98, 1);
  });

  it('normal has mean 0, sd 1 and a 99th percentile near 2.33', () => {
    const s = stats(draws('normal'));
    expect(Math.abs(s.mean)).toBeLessThan(0.02);
    expect(s.sd).toBeCloseTo(1, 1);
    expect(s.p99).toBeGreaterThan(2.2);
    expect(s.p99).toBeLessThan(2.45);
  });

  it('pareto is centred, skewed right with a long tail (median below mean)', () => {
    const s = stats(draws('pareto'));
    expect(Math.abs(s.mean)).toBeLessThan(0.05);
    expect(s.median).toBeCloseTo((Math.cbrt(2) - 1.5) * (4 / 3), 1);
    expect(s.min).toBeGreaterThan(-0.67);
    expect(s.p99).toBeGreaterThan(3);
    // netem's table stops there.
    expect(Math.max(...draws('pareto'))).toBeLessThanOrEqual(32767 / 8192);
  });

  it('paretonormal mixes both: centred, long right tail, some negative spread', () => {
    const s = stats(draws('paretonormal'));
    expect(Math.abs(s.mean)).toBeLessThan(0.05);
    expect(s.median).toBeLessThan(0);
    expect(s.p99).toBeGreaterThan(2);
    expect(s.min).toBeLessThan(-0.8);
  });

  it('correlation makes consecutive draws alike; none makes them independent', () => {
    expect(Math.abs(stats(draws('uniform', 0)).lag1)).toBeLessThan(0.02);
    expect(stats(draws('uniform', 50)).lag1).toBeCloseTo(0.5, 1);
    expect(stats(draws('normal', 75)).lag1).toBeGreaterThan(0.6);
  });

  it('the same seed gives the same draws', () => {
    expect(draws('paretonormal', 20, 11)).toEqual(draws('paretonormal', 20, 11));
    expect(draws('paretonormal', 20, 11)).not.toEqual(draws('paretonormal', 20, 12));
  });
});
