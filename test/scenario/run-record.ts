/**
 * Run records for the tests that write a run's truth themselves (reports, summaries, stories):
 * one viewer on one connection, nothing recorded yet; a test gives the fields its case is about.
 */
import type { RunRecord } from '../../scenario/types.js';

export function runRecord(fields: Partial<RunRecord> = {}): RunRecord {
  return {
    target: 'https://127.0.0.1:1',
    mode: 'retain',
    profile: 'cable',
    seed: 1,
    viewers: 1,
    startedAt: new Date(0).toISOString(),
    clockStart: 0,
    durationMs: 2000,
    connections: [{ id: 1, viewer: 1, openedMs: 0 }],
    streams: [],
    goaways: [],
    sessionErrors: [],
    verifyErrors: [],
    sse: { events: 0, gaps: 0, reconnects: 0, badEvents: 0, maxSilenceMs: 0, silentStreams: 0, delaysMs: [], delaySource: 'none' },
    ...fields,
  };
}
