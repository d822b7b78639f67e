/**
 * The collateral-damage verdict of one run: counts from its record, plus the races the pool
 * counted (the caller passes them in: only the proxy knows them).
 *
 * Collateral failure = a stream that failed although nobody on our side cancelled it. A run is
 * COLLATERAL when it has any, or any corrupted byte; CLEAN otherwise.
 */
import { errorCodeName } from '../h2/frame/constants.js';
import type { GoawaySide, RunRecord, StreamKind } from './types.js';

export type Verdict = 'CLEAN' | 'COLLATERAL';

export interface RunSummary {
  mode?: string;
  profile?: string;
  /** Set when the viewers reached the target through a shaping relay running this profile. */
  shape?: string;
  target: string;
  durationMs: number;
  viewers: number;
  connections: number;
  streams: number;
  streamsByKind: Record<StreamKind, number>;
  /** Our RST_STREAM(CANCEL)s (seeks). */
  cancels: number;
  completed: number;
  collateral: number;
  /** Collateral failures per reason ('client GOAWAY FRAME_SIZE_ERROR': 12, ...). */
  collateralCodes: Record<string, number>;
  /** GOAWAYs per side, per error code name. */
  goaways: Record<GoawaySide, Record<string, number>>;
  corruptedBytes: number;
  /** Bodies the verifier could not check (their bytes are not in corruptedBytes). */
  verifyErrors: number;
  sseEvents: number;
  sseGaps: number;
  sseReconnects: number;
  sseBadEvents: number;
  sseMaxSilenceMs: number;
  /** Races the pool counted (buffer reused while its write was pending); undefined when unknown. */
  poolRaces?: number;
  bodyBytes: number;
  throughputBytesPerSec: number;
  verdict: Verdict;
}

export function summarize(run: RunRecord, poolRaces?: number): RunSummary {
  const streamsByKind: Record<StreamKind, number> = { video: 0, events: 0, small: 0 };
  const collateralCodes: Record<string, number> = {};
  let cancels = 0;
  let completed = 0;
  let collateral = 0;
  let corruptedBytes = 0;
  for (const s of run.streams) {
    streamsByKind[s.kind]++;
    corruptedBytes += s.corruptBytes;
    if (s.cancelledByUs) cancels++;
    if (s.outcome === 'completed') completed++;
    if (s.outcome === 'failed' && !s.cancelledByUs) {
      collateral++;
      const reason = s.error ?? 'unknown';
      collateralCodes[reason] = (collateralCodes[reason] ?? 0) + 1;
    }
  }
  const goaways: RunSummary['goaways'] = { client: {}, server: {} };
  for (const g of run.goaways) {
    const name = errorCodeName(g.code);
    goaways[g.side][name] = (goaways[g.side][name] ?? 0) + 1;
  }
  return {
    mode: run.mode,
    profile: run.profile,
    shape: run.shape,
    target: run.target,
    durationMs: run.durationMs,
    viewers: run.viewers,
    connections: run.connections.length,
    streams: run.streams.length,
    streamsByKind,
    cancels,
    completed,
    collateral,
    collateralCodes,
    goaways,
    corruptedBytes,
    verifyErrors: run.verifyErrors.length,
    sseEvents: run.sse.events,
    sseGaps: run.sse.gaps,
    sseReconnects: run.sse.reconnects,
    sseBadEvents: run.sse.badEvents,
    sseMaxSilenceMs: Math.round(run.sse.maxSilenceMs),
    poolRaces,
    bodyBytes: run.bodyBytes,
    throughputBytesPerSec: run.durationMs > 0 ? Math.round((run.bodyBytes * 1000) / run.durationMs) : 0,
    verdict: collateral > 0 || corruptedBytes > 0 ? 'COLLATERAL' : 'CLEAN',
  };
}
