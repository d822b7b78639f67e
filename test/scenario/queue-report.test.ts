/**
 * The report's link figures on records whose truth the test wrote: SSE event delay (stamped, or by
 * arrival gaps), video goodput against the capacity SSE and small requests left, and the deepest
 * queue beside the profile's — the same in the table, the JSON summary and the HTML page.
 */
import { describe, expect, it } from 'vitest';
import { formatTable } from '../../scenario/report-table.js';
import { renderHtmlReport } from '../../scenario/report-html.js';
import { delaysFromArrivals, percentile } from '../../scenario/sse-delay.js';
import { summarize } from '../../scenario/summary.js';
import type { RunRecord, StreamRecord } from '../../scenario/types.js';
import { runRecord } from './run-record.js';

describe('SSE delay by arrival gaps', () => {
  it('measures each event against the schedule of the least late one', () => {
    // Every 100 ms, the third 50 ms late.
    expect(delaysFromArrivals([
      { id: 1, atMs: 1000 },
      { id: 2, atMs: 1100 },
      { id: 3, atMs: 1250 },
      { id: 4, atMs: 1300 },
      { id: 5, atMs: 1400 },
    ])).toEqual([0, 0, 50, 0, 0]);
    // A missing id (3) is a step of two intervals, not a late event; the first event was late.
    expect(delaysFromArrivals([
      { id: 1, atMs: 130 },
      { id: 2, atMs: 200 },
      { id: 4, atMs: 400 },
      { id: 5, atMs: 500 },
    ])).toEqual([30, 0, 0, 0]);
    expect(delaysFromArrivals([{ id: 7, atMs: 5 }])).toEqual([]);
  });

  it('percentiles by nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([], 50)).toBeUndefined();
  });
});

function stream(seq: number, kind: StreamRecord['kind'], bytes: number, outcome: StreamRecord['outcome'], corruptBytes = 0): StreamRecord {
  return { seq, viewer: 1, connection: 1, kind, path: `/${kind}`, startMs: 0, endMs: 1000, status: 200, bytes, wireBytes: bytes, outcome, cancelledByUs: outcome === 'cancelled', corruptBytes };
}

function run(): RunRecord {
  return runRecord({
    profile: '3g',
    viewers: 2,
    durationMs: 10_000,
    streams: [
      stream(1, 'video', 600_000, 'cancelled'),
      stream(2, 'video', 400_000, 'stopped'),
      stream(3, 'video', 300_000, 'failed'),
      stream(4, 'video', 50_000, 'completed', 10),
      stream(5, 'events', 30_000, 'stopped'),
      stream(6, 'small', 20_000, 'completed'),
    ],
    sse: { events: 4, gaps: 0, reconnects: 0, badEvents: 0, maxSilenceMs: 0, silentStreams: 0, delaysMs: [180, 160, 420, 170], delaySource: 'stamp' },
    linkQueue: { peakBytes: 21_000 },
  });
}

describe('link figures in the report', () => {
  it('summarises SSE delay, video goodput against what is left of the capacity, and the deepest queue', () => {
    const s = summarize(run());
    expect([s.sseDelayP50Ms, s.sseDelayP99Ms, s.sseDelaySource]).toEqual([170, 420, 'stamp']);
    // Intact video of streams that did not fail: the cancelled range's bytes before the seek count.
    expect(s.videoGoodputBytesPerSec).toBe(100_000);
    // 3g: 200 kB/s per viewer, 2 viewers; SSE and small took 5 kB/s.
    expect(s.capacityBytesPerSec).toBe(400_000);
    expect(s.videoCapacityBytesPerSec).toBe(395_000);
    // 3g's queue: 100 ms at 200 kB/s.
    expect(s.queue).toEqual({ peakBytes: 21_000, peakMs: 105, limitBytes: 20_000, limitMs: 100 });
    expect(JSON.parse(JSON.stringify(s))).toMatchObject({ sseDelayP99Ms: 420, videoGoodputBytesPerSec: 100_000, queue: { peakBytes: 21_000 } });
  });

  it('the table and the page show them alike (the page names the deepest queue under each run)', () => {
    const record = run();
    const summary = summarize(record);
    const table = formatTable([summary]);
    for (const text of ['SSE delay p50/p99', '170/420 ms', '0.80 Mbit/s (25%, seeks allow 98%)', '20.5 KiB / 105 ms (queue 100 ms)']) {
      expect(table).toContain(text);
    }
    const html = renderHtmlReport([{ summary, record }]);
    for (const text of ['SSE delay p50/p99', '170/420 ms', '0.80 Mbit/s (25%, seeks allow 98%)', 'deepest queue: 20.5 KiB / 105 ms (queue 100 ms)']) {
      expect(html).toContain(text);
    }
  });

  it('an unstamped origin says its delays come from arrival gaps; a run without a proxy has no queue figure', () => {
    const record = { ...run(), linkQueue: undefined, sse: { ...run().sse, delaySource: 'arrival-gaps' as const } };
    const summary = summarize(record);
    expect(summary.queue).toBeUndefined();
    const table = formatTable([summary]);
    expect(table).toContain('170/420 ms (gaps)');
  });
});
