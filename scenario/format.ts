/** Small formatting helpers shared by the terminal table and the HTML report. */
import type { DamageStory } from './damage-story.js';
import type { RunSummary } from './run-summary.js';

/** The clients of a report's runs (one compare has one kind): 'grpc' only when every run's were gRPC. */
export function clientsOf(summaries: readonly RunSummary[]): NonNullable<RunSummary['clients']> {
  return summaries.length > 0 && summaries.every((s) => s.clients === 'grpc') ? 'grpc' : 'browser';
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function formatRate(bytesPerSec: number): string {
  return `${((bytesPerSec * 8) / 1e6).toFixed(2)} Mbit/s`;
}

/** `{a: 2, b: 1}` → `a×2 b×1`; empty → `-`. */
export function formatCounts(counts: Record<string, number>): string {
  const parts = Object.entries(counts)
    .sort((x, y) => y[1] - x[1])
    .map(([k, v]) => `${k}×${v}`);
  return parts.length ? parts.join(' ') : '-';
}

export function goawayTotal(s: RunSummary, side: 'client' | 'server'): number {
  return Object.values(s.goaways[side]).reduce((a, b) => a + b, 0);
}

/** A time in the run: "2.345 s". */
export function formatMs(ms: number): string {
  return `${(ms / 1000).toFixed(3)} s`;
}

/** "120/480 ms" (SSE event delay p50/p99); "-" without events. */
export function formatSseDelay(s: RunSummary): string {
  if (s.sseDelayP50Ms === undefined || s.sseDelayP99Ms === undefined) return '-';
  return `${Math.round(s.sseDelayP50Ms)}/${Math.round(s.sseDelayP99Ms)} ms${s.sseDelaySource === 'stamp' ? '' : ' (gaps)'}`;
}

/**
 * "1.23 Mbit/s (48%, seeks allow 46%)": video goodput over the run, its share of the capacity left
 * for video while the players wanted bytes (RunSummary.videoShareOfLeft), and the most of it the
 * run's seeks allow (videoShareAllowed), each when known.
 */
export function formatVideoGoodput(s: RunSummary): string {
  const pct = (x: number): string => `${Math.round(100 * x)}%`;
  const allowed = s.videoShareAllowed === undefined ? '' : `, seeks allow ${pct(s.videoShareAllowed)}`;
  const share = s.videoShareOfLeft === undefined ? '' : ` (${pct(s.videoShareOfLeft)}${allowed})`;
  return `${formatRate(s.videoGoodputBytesPerSec)}${share}`;
}

/** "98.0 KiB / 490 ms (queue 500 ms)": the deepest link queue seen, beside the profile's queue; "-" when unknown. */
export function formatQueueDepth(s: RunSummary): string {
  const q = s.queue;
  if (!q) return '-';
  const peak = `${formatBytes(q.peakBytes)}${q.peakMs === undefined ? '' : ` / ${q.peakMs} ms`}`;
  if (q.limitBytes === undefined) return peak;
  return `${peak} (queue ${q.limitMs === undefined ? formatBytes(q.limitBytes) : `${q.limitMs} ms`})`;
}

/** "first damaged connection: viewer 2, connection 5 (of 7 damaged)". */
export function storyTitle(story: DamageStory, damaged: number): string {
  return `first damaged connection: viewer ${story.viewer}, connection ${story.connection}${damaged > 1 ? ` (of ${damaged} damaged)` : ''}`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function kBps(bytesPerSec: number): string {
  return `${Math.round(bytesPerSec / 1000)} kB/s`;
}

/** "relay running 3g both ways: RTT 302 ms (3g: 300 ms), down 199 kB/s (3g: 200 kB/s)". */
export function formatShape(s: RunSummary): string | undefined {
  if (s.shape === undefined) return undefined;
  const path = s.shapedPath;
  const preset = path?.preset;
  const beside = (measured: string, nominal: string | undefined): string => (nominal ? `${measured} (${s.shape}: ${nominal})` : measured);
  const parts = [
    path?.rttMs !== undefined && `RTT ${beside(`${Math.round(path.rttMs)} ms`, preset && `${preset.rttMs} ms`)}`,
    path?.downBytesPerSecond !== undefined &&
      `down ${beside(kBps(path.downBytesPerSecond), preset?.downBytesPerSecond === undefined ? undefined : kBps(preset.downBytesPerSecond))}`,
  ].filter(Boolean);
  return `viewers reached the target through a relay running ${s.shape} both ways${parts.length ? `: measured ${parts.join(', ')}` : ''}`;
}

/**
 * When the server's bytes written after the run's last cancel arrived (scenario/drain.ts): damage
 * cannot show earlier. Said for shaped runs, and for any run where it took a second or more.
 */
export function formatDrain(s: RunSummary): string | undefined {
  const d = s.drain;
  if (!d) return undefined;
  if (d.answeredMs === undefined) {
    return `the first byte the server wrote after the last cancels (at ${seconds(d.fromMs)}) had not arrived ${seconds(d.limitMs)} later: damage they did cannot show in this run`;
  }
  const late = d.answeredMs - d.fromMs;
  if (s.shape === undefined && late < 1000) return undefined;
  return `the first byte the server wrote after the last cancels (at ${seconds(d.fromMs)}) arrived at ${seconds(d.answeredMs)}: damage a cancel does arrives up to ${seconds(late)} after it (the run waited that long)`;
}
