/**
 * Mahimahi delivery traces: one integer per line, a time in ms from the start of the trace; each
 * line is one opportunity for a 1500-byte packet to leave the bottleneck; the trace loops with a
 * period equal to its last timestamp. Validated as read (errors name file and line); read again
 * each time a toxic that names it is added, so an edited trace counts from the next add.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';

export const OPPORTUNITY_BYTES = 1500;

export interface DeliveryTrace {
  file: string;
  /** Opportunity times in ms from the start of one loop, nondecreasing. */
  times: Uint32Array;
  /** Length of one loop in ms (the last timestamp). */
  period: number;
}

export class TraceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TraceError';
  }
}

export function loadTrace(file: string): DeliveryTrace {
  let text: string;
  try {
    text = readFileSync(resolve(file), 'utf8');
  } catch (err) {
    throw new TraceError(`${file}: cannot read trace: ${(err as Error).message}`);
  }
  return parseTrace(file, text);
}

export function parseTrace(file: string, text: string): DeliveryTrace {
  const lines = text.split('\n');
  const times = new Uint32Array(lines.length);
  let count = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    if (!/^\d+$/.test(line)) throw new TraceError(`${file}:${i + 1}: not a nonnegative integer: "${line.slice(0, 40)}"`);
    const t = Number(line);
    if (t > 0xffffffff) throw new TraceError(`${file}:${i + 1}: timestamp too large: ${line}`);
    if (count > 0 && t < times[count - 1]!) {
      throw new TraceError(`${file}:${i + 1}: timestamps must be monotonically nondecreasing (${t} after ${times[count - 1]})`);
    }
    times[count++] = t;
  }
  if (count === 0) throw new TraceError(`${file}: trace is empty`);
  const period = times[count - 1]!;
  if (period === 0) throw new TraceError(`${file}: trace must last for a nonzero amount of time`);
  return { file, times: times.slice(0, count), period };
}

/** A trace's path (relative to the working directory): its shape only; the trace toxic reads
 * the file when it is added. */
export const traceFileSchema = z.string().min(1);

/** Bytes the trace can deliver in [fromMs, toMs) after its start, loops included. */
export function traceCapacity(trace: DeliveryTrace, fromMs: number, toMs: number): number {
  return (opportunitiesBefore(trace, toMs) - opportunitiesBefore(trace, fromMs)) * OPPORTUNITY_BYTES;
}

/** First opportunity index (within the loop) at or after `ms` from the loop's start. */
export function firstAtOrAfter(times: Uint32Array, ms: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function opportunitiesBefore(trace: DeliveryTrace, ms: number): number {
  const cycle = Math.floor(ms / trace.period);
  return cycle * trace.times.length + firstAtOrAfter(trace.times, ms - cycle * trace.period);
}
