/**
 * Makes Mahimahi delivery traces (the format trace-loader.ts reads) from a rate profile and a
 * seed: for tests and the bench, which must not depend on recorded traces a clone does not have,
 * and for anyone who wants a link whose capacity they know.
 *
 * Within each step, delivery opportunities (1500 bytes each) arrive as a Poisson process at the
 * step's mean rate, so packets bunch and spread as on a recorded cellular link; a step at 0 Mbit/s
 * is an outage. The same profile and seed give the same lines. The trace's last line is at the
 * profile's end, since Mahimahi loops a trace with its last timestamp as the period.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRandom } from '../random.js';
import { OPPORTUNITY_BYTES, TraceError } from './trace-loader.js';

/** One stretch of a rate profile. */
export interface RateStep {
  /** Length of the step in ms (a positive integer). */
  ms: number;
  /** Mean rate in Mbit/s; 0 is an outage. */
  mbps: number;
}

/** The trace's lines (integer ms timestamps, nondecreasing) for `steps`, one after another. */
export function generateTraceLines(steps: readonly RateStep[], seed: number): string[] {
  checkSteps(steps);
  const random = new SeededRandom(seed, 'trace-generator');
  const lines: string[] = [];
  let stepStart = 0;
  for (const { ms, mbps } of steps) {
    // Opportunities per ms at this rate: 1 Mbit/s is 1e3 bits per ms.
    const perMs = (mbps * 1000) / (OPPORTUNITY_BYTES * 8);
    if (perMs > 0) {
      for (let t = stepStart + exponential(random, perMs); t < stepStart + ms; t += exponential(random, perMs)) {
        lines.push(String(Math.floor(t)));
      }
    }
    stepStart += ms;
  }
  if (lines.length === 0 || Number(lines[lines.length - 1]) < stepStart) lines.push(String(stepStart));
  return lines;
}

/** A generated trace written to a folder of its own under the OS temp dir. */
export interface TempTrace {
  file: string;
  lines: readonly string[];
  /** Deletes the folder and the trace in it. */
  remove(): void;
}

/** Writes `lines` as `name` (e.g. `cellular.down`) in a new temp folder; the caller removes it. */
export function writeTempTrace(name: string, lines: readonly string[]): TempTrace {
  const dir = mkdtempSync(join(tmpdir(), 'h2race-trace-'));
  const file = join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return { file, lines, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Gap to the next arrival of a Poisson process with `rate` arrivals per ms. */
function exponential(random: SeededRandom, rate: number): number {
  return -Math.log(1 - random.next()) / rate;
}

function checkSteps(steps: readonly RateStep[]): void {
  if (steps.length === 0) throw new TraceError('trace profile: needs at least one step');
  steps.forEach(({ ms, mbps }, i) => {
    if (!Number.isInteger(ms) || ms <= 0) throw new TraceError(`trace profile: step ${i + 1}: ms must be a positive integer, got ${ms}`);
    if (!Number.isFinite(mbps) || mbps < 0) throw new TraceError(`trace profile: step ${i + 1}: mbps must be a finite number ≥ 0, got ${mbps}`);
  });
}
