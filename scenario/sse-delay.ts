/**
 * How late SSE events arrive. An event stamped by its origin (the demo origin's `sent:` field, the
 * epoch ms it wrote the event) is late by arrival − sent. An origin that does not stamp (a
 * `--verify reference` target) is measured by arrival gaps: its ticks come every `interval` (the
 * median gap per id), so each event is late by how far it arrived behind the stream's schedule,
 * anchored at the event that was least late — the delay beyond the best the path delivered.
 */

export interface SseArrival {
  id: number;
  atMs: number;
}

/** Delays (ms) of one unstamped stream's events, from their ids and arrival times; none for fewer than two. */
export function delaysFromArrivals(events: readonly SseArrival[]): number[] {
  if (events.length < 2) return [];
  const steps: number[] = [];
  for (let i = 1; i < events.length; i++) {
    const ids = events[i]!.id - events[i - 1]!.id;
    if (ids > 0) steps.push((events[i]!.atMs - events[i - 1]!.atMs) / ids);
  }
  if (steps.length === 0) return [];
  const interval = percentile(steps, 50)!;
  const first = events[0]!.id;
  const behind = events.map((e) => e.atMs - (e.id - first) * interval);
  const anchor = Math.min(...behind);
  return behind.map((b) => b - anchor);
}

/** The p-th percentile (nearest rank) of `values`; undefined for none. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}
