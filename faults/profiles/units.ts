/**
 * The units users type for faults — durations (80ms, 1.5s), rates (4mbit, 512kbit, as tc writes
 * them: 1 kbit = 1000 bit), percentages (0.5%) and probabilities (0.3 or 30%). A bare number is
 * ms, bits/s, percent or a probability. Errors say what was wrong; callers prefix the flag or field.
 */
import { z } from 'zod';

export class UnitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnitError';
  }
}

const NUMBER = '(\\d+(?:\\.\\d+)?|\\.\\d+)';

/** Milliseconds, a whole number (Toxiproxy's attributes are integers). */
export function parseDuration(value: string | number): number {
  const ms = typeof value === 'number' ? value : scaled(value, { ms: 1, s: 1000, '': 1 }, 'a duration (e.g. 80ms or 1.5s)');
  if (!Number.isFinite(ms) || ms < 0) throw new UnitError(`${JSON.stringify(value)} is not a duration (e.g. 80ms or 1.5s)`);
  if (!Number.isInteger(ms)) throw new UnitError(`${JSON.stringify(value)} is not a whole number of milliseconds`);
  return ms;
}

/** Bits per second, a whole number. */
export function parseRate(value: string | number): number {
  const bits =
    typeof value === 'number'
      ? value
      : scaled(value, { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9, '': 1 }, 'a rate (e.g. 4mbit, 512kbit)');
  if (!Number.isFinite(bits) || bits <= 0) throw new UnitError(`${JSON.stringify(value)} is not a rate above 0 (e.g. 4mbit)`);
  return Math.round(bits);
}

/** Percent in [0, 100]. */
export function parsePercent(value: string | number): number {
  const percent = typeof value === 'number' ? value : scaled(value, { '%': 1, '': 1 }, 'a percentage (e.g. 0.5%)');
  if (!Number.isFinite(percent) || percent < 0 || percent > 100) {
    throw new UnitError(`${JSON.stringify(value)} is not a percentage between 0 and 100`);
  }
  return percent;
}

/** A probability in [0, 1]: a bare fraction (0.3) or a percentage (30%). */
export function parseProbability(value: string | number): number {
  const p = typeof value === 'number' ? value : scaled(value, { '%': 0.01, '': 1 }, 'a probability (e.g. 0.3 or 30%)');
  if (!Number.isFinite(p) || p < 0 || p > 1) throw new UnitError(`${JSON.stringify(value)} is not a probability between 0 and 1 (e.g. 0.3 or 30%)`);
  return p;
}

/** A config field in one of these units: a UnitError becomes a zod issue, so the error names the field. */
export function unitSchema<T>(parse: (v: string | number) => T) {
  return z.union([z.number(), z.string()]).transform((value, ctx): T => {
    try {
      return parse(value);
    } catch (err) {
      if (!(err instanceof UnitError)) throw err;
      ctx.addIssue({ code: 'custom', message: err.message });
      return z.NEVER;
    }
  });
}

function scaled(text: string, units: Record<string, number>, what: string): number {
  const match = new RegExp(`^${NUMBER}\\s*([a-z%]*)$`, 'i').exec(text.trim());
  const factor = match ? units[match[2]!.toLowerCase()] : undefined;
  if (!match || factor === undefined) {
    const known = Object.keys(units).filter((u) => u !== '').join(', ');
    throw new UnitError(`${JSON.stringify(text)} is not ${what}; units: ${known}`);
  }
  return Number(match[1]) * factor;
}

/** "1500ms" → "1.5s", for logs and help. */
export function formatDuration(ms: number): string {
  return ms >= 1000 && ms % 100 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** 4000000 → "4mbit". */
export function formatRate(bits: number): string {
  for (const [unit, f] of [['gbit', 1e9], ['mbit', 1e6], ['kbit', 1e3]] as const) {
    if (bits >= f) return `${+(bits / f).toFixed(3)}${unit}`;
  }
  return `${bits}bit`;
}

/**
 * A bottleneck's queue: bytes, or time at the link's rate (converted when the rate is known: a
 * schedule may change the rate under the same queue time).
 */
export type QueueSize = { bytes: number } | { ms: number };

/** One MTU: a queue must take at least one packet, or nothing ever leaves. */
export const MIN_QUEUE_BYTES = 1500;

/**
 * "200ms", "1.5s" (time at the link's rate) or "256kb", "64kib", "1mb", "1500b", a bare number
 * (bytes); kb and mb are 1000-based as the rates are, kib and mib 1024-based.
 */
export function parseQueue(value: string | number): QueueSize {
  const what = 'a queue (e.g. 200ms or 256kb)';
  const text = typeof value === 'number' ? String(value) : value.trim();
  const match = new RegExp(`^${NUMBER}\\s*([a-z]*)$`, 'i').exec(text);
  const unit = match?.[2]!.toLowerCase();
  const time = unit === undefined ? undefined : ({ ms: 1, s: 1000 } as Record<string, number>)[unit];
  const size = unit === undefined ? undefined : ({ '': 1, b: 1, kb: 1e3, kib: 1024, mb: 1e6, mib: 1 << 20 } as Record<string, number>)[unit];
  if (!match || (time === undefined && size === undefined)) {
    throw new UnitError(`${JSON.stringify(value)} is not ${what}; units: ms, s, b, kb, kib, mb, mib`);
  }
  const n = Number(match[1]);
  if (time !== undefined) {
    if (n * time <= 0) throw new UnitError(`${JSON.stringify(value)} is not a queue time above 0`);
    return { ms: n * time };
  }
  const bytes = Math.round(n * size!);
  if (bytes < MIN_QUEUE_BYTES) throw new UnitError(`${JSON.stringify(value)} is below one packet (${MIN_QUEUE_BYTES} bytes)`);
  return { bytes };
}

/** The queue in bytes on a link of `bitsPerSecond`; never below one packet. */
export function queueBytes(queue: QueueSize, bitsPerSecond: number): number {
  if ('bytes' in queue) return queue.bytes;
  return Math.max(MIN_QUEUE_BYTES, Math.round((queue.ms * bitsPerSecond) / 8000));
}

/** {ms: 200} → "200ms", {bytes: 256000} → "256000b". */
export function formatQueue(queue: QueueSize): string {
  return 'bytes' in queue ? `${queue.bytes}b` : formatDuration(queue.ms);
}
