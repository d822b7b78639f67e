/**
 * compare: the same scenario through one h2race proxy per pooling mode (and per profile), in
 * front of one origin — the embedded demo origin (for gRPC traffic the gRPC demo origin,
 * origin/grpc-origin.ts) unless the caller gives one. Each run gets a
 * fresh proxy, so no pool state carries over between modes.
 *
 * Before any mode runs, one preflight (preflight.ts) goes through a proxy with no faults: an
 * origin that is down, refuses h2race's TLS check or lacks a path is a PreflightError naming the
 * cause, not four runs of failures. The result's verdict is the worst of the safe modes'.
 *
 * Starting a proxy is injected (StartProxyForMode): this module knows nothing of the proxy's
 * parts, and tests can run it against any stand-in that really proxies.
 */
import { startDemoOrigin } from '../origin/demo-origin.js';
import { startGrpcOrigin } from '../origin/grpc-origin.js';
import { preflightTarget, runScenario, type ScenarioOptions, type ScenarioProgress } from './run.js';
import { summarize, worstVerdict } from './summary.js';
import type { RunSummary, Verdict } from './run-summary.js';
import type { PoolRaceRecord, PooledFrame, RunRecord } from './types.js';

export interface TimedRace {
  /** performance.now() when the pending frame's buffer was handed out again. */
  at: number;
  pending: PooledFrame;
  reusedFor: PooledFrame;
}

export interface ProxyForMode {
  /** Where viewers connect: https://host:port. */
  url: string;
  /** Races the pool counted so far (buffer reused while its write was pending). */
  poolRaces(): number;
  /** The pool's races so far with their times (performance.now()), when the proxy can tell them. */
  races?(): readonly TimedRace[];
  /** The deepest a client connection's link queue has been so far, bytes, when the proxy can tell. */
  peakQueueBytes?(): number;
  close(): Promise<void>;
}

/** `profile` undefined: a proxy with no faults (the preflight's). */
export type StartProxyForMode = (mode: string, profile: string | undefined, originUrl: string) => Promise<ProxyForMode>;

/**
 * Modes that must come out clean: the fixes and no pooling, and the bug models' correct twins.
 * release-on-reset, window-leak-on-reset and hpack-drop-refused are the bugs.
 */
export const SAFE_MODES: ReadonlySet<string> = new Set(['none', 'discard-on-reset', 'retain', 'window-credit-on-reset', 'hpack-decode-refused']);

export interface CompareOptions extends Omit<ScenarioOptions, 'target' | 'mode' | 'profile' | 'onProgress' | 'preflight'> {
  modes: readonly string[];
  profiles: readonly string[];
  startProxyForMode: StartProxyForMode;
  /** The origin behind the proxies; the embedded demo origin (h2c) when absent. */
  origin?: string;
  /** Called as each run starts and progresses. */
  onProgress?: (run: { mode: string; profile: string; index: number; total: number }, progress: ScenarioProgress) => void;
  /** Called as each run ends: an interrupted compare still prints the runs it finished. */
  onRunDone?: (run: CompareResult['runs'][number], index: number, total: number) => void;
}

export interface CompareResult {
  runs: { summary: RunSummary; record: RunRecord }[];
  /** Safe modes that were not CLEAN: 'retain (cable)'. */
  failedSafeModes: string[];
  /** The worst verdict of the safe modes (CLEAN when none ran); the command's exit code is its (cli/exit-codes.ts). */
  verdict: Verdict;
}

export async function runCompare(opts: CompareOptions): Promise<CompareResult> {
  const { modes, profiles, startProxyForMode, origin: originUrl, onProgress, onRunDone, ...scenario } = opts;
  if (modes.length === 0) throw new RangeError('compare needs at least one pooling mode');
  if (profiles.length === 0) throw new RangeError('compare needs at least one profile');
  let demo: { url: string; close(): Promise<void> } | undefined;
  const runs: CompareResult['runs'] = [];
  try {
    if (!originUrl) demo = await startEmbeddedOrigin(scenario.clients, opts.logger);
    const upstream = originUrl ?? demo!.url;
    const checker = await startProxyForMode(modes[0]!, undefined, upstream);
    try {
      await preflightTarget({ ...scenario, target: checker.url });
    } finally {
      await checker.close();
    }
    const total = modes.length * profiles.length;
    for (const profile of profiles) {
      for (const mode of modes) {
        const index = runs.length;
        const proxy = await startProxyForMode(mode, profile, upstream);
        try {
          const record = await runScenario({
            ...scenario,
            target: proxy.url,
            mode,
            profile,
            preflight: false,
            onProgress: (p) => onProgress?.({ mode, profile, index, total }, p),
          });
          const races = proxy.races?.().map(({ at, pending, reusedFor }): PoolRaceRecord => ({ atMs: at - record.clockStart, pending, reusedFor }));
          if (races) record.races = races;
          const peakQueue = proxy.peakQueueBytes?.();
          if (peakQueue !== undefined) record.linkQueue = { peakBytes: peakQueue };
          runs.push({ summary: summarize(record, proxy.poolRaces()), record });
          onRunDone?.(runs[index]!, index, total);
        } finally {
          await proxy.close();
        }
      }
    }
  } finally {
    await demo?.close();
  }
  const safe = runs.filter((r) => SAFE_MODES.has(r.summary.mode ?? '')).map((r) => r.summary);
  const failedSafeModes = safe.filter((s) => s.verdict !== 'CLEAN').map((s) => `${s.mode} (${s.profile})`);
  const verdict = worstVerdict(safe.map((s) => s.verdict));
  return { runs, failedSafeModes, verdict };
}

/** The origin compare runs against when none is given: the demo origin, or the gRPC one for gRPC traffic. */
async function startEmbeddedOrigin(clients: CompareOptions['clients'], logger: CompareOptions['logger']): Promise<{ url: string; close(): Promise<void> }> {
  if (clients === 'grpc') return startGrpcOrigin();
  const demo = await startDemoOrigin({ h2c: { host: '127.0.0.1', port: 0 }, logger });
  return { url: demo.urls.h2c!, close: () => demo.close() };
}
