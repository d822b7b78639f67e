/**
 * `scenario --shape` against deliberately buggy origins of each class of the catalogue, and
 * against their correct twins: the origin is h2race's own engine (engine-origin.ts) with one bug
 * model switched on, reached through the cable preset's shaping relay, seeded.
 *
 * - window-leak-on-reset, traffic cancelled-uploads: the origin reads uploads slowly and does not
 *   credit what a cancelled upload left it holding; its 65,535-byte connection window drains and
 *   the next upload on the connection stalls — the run reports stalled streams, COLLATERAL.
 * - hpack-drop-refused, traffic bursts + header-sets: the origin refuses burst streams over its
 *   SETTINGS_MAX_CONCURRENT_STREAMS and drops their header blocks undecoded; later requests on the
 *   connection reach it changed — the run reports wrong content, COLLATERAL.
 * Each twin, the same traffic and seed: CLEAN.
 */
import { describe, expect, it } from 'vitest';
import { CREDIT_ON_RESET, LEAK_ON_RESET } from '../../h2/proto/bug-models/reset-data-credit.js';
import { DECODE_REFUSED, DROP_REFUSED } from '../../h2/proto/bug-models/refused-header-block.js';
import type { ConnectionOptions } from '../../h2/proto/connection-options.js';
import { runScenario } from '../../scenario/run.js';
import { STALLED, summarize } from '../../scenario/summary.js';
import { WRONG_CONTENT_REASON } from '../../scenario/fault.js';
import type { TrafficKind } from '../../scenario/traffic-kinds.js';
import { cleanupsAfterEach } from '../helpers/cleanups.js';
import { startEngineOrigin } from './engine-origin.js';

const cleanups = cleanupsAfterEach();

const WINDOW: ConnectionOptions = { connectionWindowSize: 65_535 };
const CONCURRENCY: ConnectionOptions = { settings: { maxConcurrentStreams: 100 } };

/** A consumer slow enough that a cancelled upload leaves the origin holding most of its window. */
const SLOW_UPLOAD = '/echo?rate=4096';

async function shapedRun(options: ConnectionOptions, traffic: TrafficKind[]) {
  const origin = await startEngineOrigin(options);
  cleanups.push(() => origin.close());
  const record = await runScenario({ target: origin.url, shape: 'cable', traffic, seed: 7, viewers: 3, durationMs: 15_000, stallAfterMs: 3000, paths: { upload: SLOW_UPLOAD } });
  return summarize(record);
}

function labelled(codes: Record<string, number>, prefix: string): number {
  return Object.entries(codes).filter(([label]) => label.startsWith(prefix)).reduce((n, [, c]) => n + c, 0);
}

describe('scenario --shape against a buggy origin of each class', () => {
  it('window-leak-on-reset: bystander uploads stall (COLLATERAL, stalled); its twin is CLEAN', { timeout: 120_000 }, async () => {
    const buggy = await shapedRun({ ...WINDOW, resetDataCredit: LEAK_ON_RESET }, ['cancelled-uploads']);
    expect(buggy.verdict).toBe('COLLATERAL');
    expect(buggy.stalledStreams, 'stalled streams (model)').toBeGreaterThan(0);
    expect(labelled(buggy.collateralCodes, STALLED)).toBe(buggy.collateral);
    expect(buggy.corruptedBytes).toBe(0);
    const twin = await shapedRun({ ...WINDOW, resetDataCredit: CREDIT_ON_RESET }, ['cancelled-uploads']);
    expect(twin.cancels, 'cancelled uploads (twin)').toBeGreaterThan(0);
    expect(twin.stalledStreams).toBe(0);
    expect(twin.verdict).toBe('CLEAN');
  });

  it('hpack-drop-refused: later requests reach the origin changed (COLLATERAL, wrong content); its twin is CLEAN', { timeout: 120_000 }, async () => {
    const buggy = await shapedRun({ ...CONCURRENCY, refusedHeaderBlock: DROP_REFUSED }, ['bursts', 'header-sets']);
    expect(buggy.verdict, JSON.stringify({ refused: buggy.refusedStreams, kinds: buggy.streamsByKind, collateral: buggy.collateralCodes, origin: buggy.originErrorCodes, goaways: buggy.goaways })).toBe('COLLATERAL');
    expect(buggy.refusedStreams, 'burst streams refused (model)').toBeGreaterThan(0);
    expect(labelled(buggy.collateralCodes, WRONG_CONTENT_REASON), JSON.stringify(buggy.collateralCodes)).toBeGreaterThan(0);
    const twin = await shapedRun({ ...CONCURRENCY, refusedHeaderBlock: DECODE_REFUSED }, ['bursts', 'header-sets']);
    expect(twin.refusedStreams, 'burst streams refused (twin)').toBeGreaterThan(0);
    expect(twin.verdict).toBe('CLEAN');
  });
});
