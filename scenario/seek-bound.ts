/**
 * What the run's own seeks let any proxy deliver of video (#15): after a seek the new range's first
 * byte cannot arrive before W = one round trip + the bottleneck queue's time — the RST and the new
 * request go up in RTT/2, the new response waits behind a full queue of the cancelled range's bytes
 * (waste, however the proxy behaves) and comes down in RTT/2. So per viewer each seek takes
 * min(W, time to its next seek or the run's end) off the time its player wanted bytes; the start
 * loses nothing (no cancelled range is queued then). No seeks: the whole wanting time.
 */
import { findPreset } from '../faults/profiles/presets.js';
import { queueBytes } from '../faults/profiles/units.js';
import type { RunRecord } from './types.js';

/** Wanting time, ms, the seeks (cancel times, ms) leave useful, with a dead time of `deadMs` after each. */
export function usefulWantingMs(wantingMs: number, seeksMs: readonly number[], durationMs: number, deadMs: number): number {
  const sorted = [...seeksMs].sort((a, b) => a - b);
  let lostMs = 0;
  sorted.forEach((at, i) => {
    const next = i + 1 < sorted.length ? sorted[i + 1]! : durationMs;
    lostMs += Math.min(deadMs, Math.max(0, next - at));
  });
  return Math.max(0, wantingMs - lostMs);
}

/**
 * W for the run's path when it is fixed: a preset by name (the shaping relay's, or the profile)
 * with its RTT (jitter: its mean, the preset's RTT) plus its queue's time at the down rate.
 * Undefined when unknown: no preset (a profile file, a trace, `--verify reference` without a
 * profile) or no queue — guessing would make the bound say nothing.
 */
export function seekDeadMs(run: RunRecord): number | undefined {
  const name = run.shape ?? run.profile;
  const preset = name === undefined ? undefined : findPreset(name);
  if (!preset?.queue || preset.downBitsPerSecond === undefined) return undefined;
  const queueMs = (queueBytes(preset.queue.size, preset.downBitsPerSecond) * 8000) / preset.downBitsPerSecond;
  return preset.rttMs + queueMs;
}

/**
 * The bound as a share of the capacity left for video (the same denominator as videoShareOfLeft):
 * Σ useful wanting time / Σ wanting time, per viewer, when W is known. Rounded to 0.001.
 */
export function videoShareAllowed(run: RunRecord): number | undefined {
  const deadMs = seekDeadMs(run);
  if (deadMs === undefined || run.durationMs <= 0) return undefined;
  const seeksOf = new Map<number, number[]>();
  for (const s of run.streams) {
    if (s.kind !== 'video' || !s.cancelledByUs) continue;
    const seeks = seeksOf.get(s.viewer) ?? [];
    seeks.push(s.endMs ?? s.startMs);
    seeksOf.set(s.viewer, seeks);
  }
  let wanting = 0;
  let useful = 0;
  for (let viewer = 1; viewer <= run.viewers; viewer++) {
    const wantingMs = wantingMsOf(run, viewer);
    const seeks = seeksOf.get(viewer) ?? [];
    wanting += wantingMs;
    useful += usefulWantingMs(wantingMs, seeks, run.durationMs, deadMs);
  }
  return wanting > 0 ? Math.round((1000 * useful) / wanting) / 1000 : undefined;
}

/**
 * How long viewer `viewer` (1-based) wanted video bytes: its player's record, or the whole run for
 * clients that always read (gRPC: no wanting times). Both shares use it as their denominator.
 */
export function wantingMsOf(run: RunRecord, viewer: number): number {
  return run.videoWantingMs === undefined ? run.durationMs : (run.videoWantingMs[viewer - 1] ?? 0);
}
