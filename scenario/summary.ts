/**
 * The verdict of one run: counts from its record, plus the races the pool counted (the caller
 * passes them in: only the proxy knows them). Failed streams nobody on our side cancelled are
 * either collateral or origin errors (fault.ts says which); the verdict, worst first:
 *
 *   COLLATERAL     a collateral failure, a corrupted byte, a stalled stream (no progress while its
 *                  connection answered PING: the window-leak symptom) or wrong content (headers,
 *                  trailers or upload bytes back different from what was sent: the HPACK-desync
 *                  symptom) — what h2race looks for. Stalls and wrong content have their own labels.
 *   ERROR          the run could not test: no video byte arrived (`error` says why). A target
 *                  that cannot be tested at all is found before the run (preflight.ts).
 *   ORIGIN-ERRORS  only streams the origin refused or failed one by one (`originErrorCodes`):
 *                  no sign of cancellation damage, but those streams were not tested.
 *   CLEAN          none of the above.
 */
import { errorCodeName } from '../h2/frame/constants.js';
import { findPreset } from '../faults/profiles/presets.js';
import { queueBytes } from '../faults/profiles/units.js';
import { percentile } from './sse-delay.js';
import { videoShareAllowed, wantingMsOf } from './seek-bound.js';
import { damageStories, kindName } from './damage-story.js';
import { WRONG_CONTENT_REASON } from './fault.js';
import { formatCounts } from './format.js';
import type { RunSummary, Verdict } from './run-summary.js';
import type { RunRecord, StreamKind } from './types.js';

/** Verdicts from the least to the most telling: a set of runs reports its worst. */
export const VERDICT_ORDER: readonly Verdict[] = ['CLEAN', 'ORIGIN-ERRORS', 'ERROR', 'COLLATERAL'];

const STORIES_KEPT = 20;

/** The collateral labels of the two symptoms that do not fail a stream. */
const WRONG_CONTENT = `${WRONG_CONTENT_REASON} (back different from what was sent)`;
export const STALLED = 'stalled';

function stalledLabel(run: RunRecord): string {
  return run.stallAfterMs === undefined ? STALLED : `${STALLED} (no progress for ${run.stallAfterMs} ms, PING answered)`;
}

export function summarize(run: RunRecord, poolRaces?: number): RunSummary {
  const streamsByKind: Record<StreamKind, number> = { video: 0, events: 0, small: 0, upload: 0, burst: 0, headers: 0 };
  const collateralCodes: Record<string, number> = {};
  const originErrorCodes: Record<string, number> = {};
  const videoFailures: Record<string, number> = {};
  let cancels = 0;
  let completed = 0;
  let collateral = 0;
  let stalledStreams = 0;
  let wrongContentStreams = 0;
  let refusedStreams = 0;
  let firstWrongContent: string | undefined;
  let originErrors = 0;
  let corruptedBytes = 0;
  let bodyBytes = 0;
  let usefulBytes = 0;
  let wastedBytes = 0;
  let videoBytes = 0;
  let videoWantedBytes = 0;
  let otherBytes = 0;
  let played = false;
  for (const s of run.streams) {
    streamsByKind[s.kind]++;
    bodyBytes += s.bytes;
    if (s.outcome === 'cancelled' || s.outcome === 'failed') wastedBytes += Math.max(s.bytes, s.wireBytes);
    else usefulBytes += s.bytes;
    if (s.kind !== 'video') otherBytes += s.bytes;
    else if (s.outcome !== 'failed' && s.corruptBytes === 0) {
      videoBytes += s.bytes;
      videoWantedBytes += s.wantedBytes ?? s.bytes;
    }
    corruptedBytes += s.corruptBytes;
    if (s.cancelledByUs) cancels++;
    if (s.outcome === 'completed') completed++;
    if (s.kind === 'video' && s.bytes > 0 && (s.status === 200 || s.status === 206)) played = true;
    if (s.outcome === 'refused') refusedStreams++;
    const stalled = s.stall !== undefined && s.outcome !== 'cancelled';
    if (stalled) stalledStreams++;
    // Wrong content: what came back differs, or the server misread a well-formed request (fault.ts).
    const wrong = s.wrongContent ?? (s.outcome === 'failed' && s.error?.startsWith(WRONG_CONTENT_REASON) ? s.error : undefined);
    if (wrong !== undefined) {
      wrongContentStreams++;
      firstWrongContent ??= `${s.kind} stream ${s.streamId ?? '?'} (${s.path}): ${wrong}`;
    }
    if (s.outcome !== 'failed') {
      // Not failed, yet damaged: counted once, wrong content before a stall.
      const label = s.wrongContent !== undefined ? WRONG_CONTENT : stalled ? stalledLabel(run) : undefined;
      if (label !== undefined) {
        collateral++;
        count(collateralCodes, label);
      }
      continue;
    }
    const reason = s.error ?? 'unknown';
    if (s.kind === 'video') count(videoFailures, reason);
    if (s.fault === 'origin') {
      originErrors++;
      count(originErrorCodes, reason);
    } else {
      collateral++;
      count(collateralCodes, reason);
    }
  }
  const stories = damageStories(run);
  const goaways: RunSummary['goaways'] = { client: {}, server: {} };
  for (const g of run.goaways) count(goaways[g.side], errorCodeName(g.code));
  const error = played ? undefined : nothingPlayed(run, streamsByKind.video, videoFailures);
  const verdict: Verdict =
    collateral > 0 || corruptedBytes > 0 ? 'COLLATERAL' : error !== undefined ? 'ERROR' : originErrors > 0 ? 'ORIGIN-ERRORS' : 'CLEAN';
  const perSecond = (bytes: number): number => (run.durationMs > 0 ? Math.round((bytes * 1000) / run.durationMs) : 0);
  const perViewerBytesPerSec = perViewerCapacity(run);
  const capacityBytesPerSec = perViewerBytesPerSec === undefined ? undefined : perViewerBytesPerSec * run.viewers;
  return {
    clients: run.clients,
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
    stalledStreams,
    wrongContentStreams,
    refusedStreams,
    firstWrongContent,
    collateralCodes,
    originErrors,
    originErrorCodes,
    goaways,
    corruptedBytes,
    verifyErrors: run.verifyErrors.length,
    sseEvents: run.sse.events,
    sseGaps: run.sse.gaps,
    sseReconnects: run.sse.reconnects,
    sseBadEvents: run.sse.badEvents,
    sseMaxSilenceMs: Math.round(run.sse.maxSilenceMs),
    sseSilentStreams: run.sse.silentStreams,
    sseDelayP50Ms: percentile(run.sse.delaysMs, 50),
    sseDelayP99Ms: percentile(run.sse.delaysMs, 99),
    sseDelaySource: run.sse.delaySource,
    poolRaces,
    bodyBytes,
    goodputBytesPerSec: perSecond(usefulBytes),
    wastedBytes,
    capacityBytesPerSec,
    videoGoodputBytesPerSec: perSecond(videoBytes),
    videoCapacityBytesPerSec: capacityBytesPerSec === undefined ? undefined : Math.max(0, capacityBytesPerSec - perSecond(otherBytes)),
    videoWantingMs: run.videoWantingMs?.reduce((a, b) => a + b, 0),
    videoShareOfLeft: videoShareOfLeft(run, perViewerBytesPerSec, videoWantedBytes),
    videoShareAllowed: videoShareAllowed(run),
    queue: linkQueue(run),
    damagedConnections: stories.length,
    damage: stories.slice(0, STORIES_KEPT),
    shapedPath: run.shapedPath,
    drain: run.drain,
    verdict,
    error: verdict === 'ERROR' ? error : undefined,
  };
}

/** One viewer's link toward it, from the preset the viewers went through (the profile, or the shaping relay's). */
function perViewerCapacity(run: RunRecord): number | undefined {
  return run.shapedPath?.preset?.downBytesPerSecond ?? presetDownBytesPerSec(run.shape) ?? presetDownBytesPerSec(run.profile);
}

/**
 * Video bytes that arrived while the players wanted them, against what the links could carry for
 * video meanwhile: per viewer, the time its player wanted bytes × its link's rate less the rate its
 * other streams (SSE, small requests) took over the run. A player whose buffer is full takes
 * nothing however fast the link, so that time is no capacity left unused. Without wanting times
 * (gRPC clients: always reading) the whole run counts. Rounded to 0.001.
 */
function videoShareOfLeft(run: RunRecord, perViewerBytesPerSec: number | undefined, wantedBytes: number): number | undefined {
  if (perViewerBytesPerSec === undefined || run.durationMs <= 0) return undefined;
  const otherBytes = new Map<number, number>();
  for (const s of run.streams) if (s.kind !== 'video') otherBytes.set(s.viewer, (otherBytes.get(s.viewer) ?? 0) + s.bytes);
  let leftBytes = 0;
  for (let viewer = 1; viewer <= run.viewers; viewer++) {
    const wantingMs = wantingMsOf(run, viewer);
    const otherPerSec = ((otherBytes.get(viewer) ?? 0) * 1000) / run.durationMs;
    leftBytes += (wantingMs / 1000) * Math.max(0, perViewerBytesPerSec - otherPerSec);
  }
  return leftBytes > 0 ? Math.round((1000 * wantedBytes) / leftBytes) / 1000 : undefined;
}

/** The deepest queue the proxy saw, beside the profile's own (a preset's, at its down rate). */
function linkQueue(run: RunRecord): RunSummary['queue'] {
  if (!run.linkQueue) return undefined;
  const preset = run.profile === undefined ? undefined : findPreset(run.profile);
  const bytesPerMs = preset?.downBitsPerSecond === undefined ? undefined : preset.downBitsPerSecond / 8000;
  const limitBytes = preset?.queue && bytesPerMs !== undefined ? queueBytes(preset.queue.size, bytesPerMs * 8000) : undefined;
  const ms = (bytes: number | undefined): number | undefined => (bytes === undefined || bytesPerMs === undefined ? undefined : Math.round(bytes / bytesPerMs));
  const peakBytes = run.linkQueue.peakBytes;
  return { peakBytes, peakMs: ms(peakBytes), limitBytes, limitMs: ms(limitBytes) };
}

function presetDownBytesPerSec(name: string | undefined): number | undefined {
  const bits = name === undefined ? undefined : findPreset(name)?.downBitsPerSecond;
  return bits === undefined ? undefined : bits / 8;
}

/** The worst of several verdicts (VERDICT_ORDER); CLEAN for none. */
export function worstVerdict(verdicts: Iterable<Verdict>): Verdict {
  let worst: Verdict = 'CLEAN';
  for (const v of verdicts) if (VERDICT_ORDER.indexOf(v) > VERDICT_ORDER.indexOf(worst)) worst = v;
  return worst;
}

function nothingPlayed(run: RunRecord, videoStreams: number, failures: Record<string, number>): string {
  const seconds = (run.durationMs / 1000).toFixed(1);
  const video = kindName('video', run.clients);
  if (videoStreams === 0) return `nothing played: no ${video} request was made in ${seconds} s`;
  const why = Object.keys(failures).length > 0 ? `; they ended in ${formatCounts(failures)}` : '';
  return `nothing played: none of ${videoStreams} ${video} requests received a byte in ${seconds} s${why}`;
}

function count(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}
