/**
 * compare: the same scenario through one h2race proxy per pooling mode (and per profile), in
 * front of one origin — the embedded demo origin unless the caller gives one. Each run gets a
 * fresh proxy, so no pool state carries over between modes.
 *
 * Starting a proxy is injected (StartProxyForMode): this module knows nothing of the proxy's
 * parts, and tests can run it against any stand-in that really proxies.
 */
import { startDemoOrigin, type DemoOrigin } from '../origin/demo-origin.js';
import { runScenario, type ScenarioOptions, type ScenarioProgress } from './run.js';
import { summarize, type RunSummary } from './summary.js';
import type { RunRecord } from './types.js';

export interface ProxyForMode {
  /** Where viewers connect: https://host:port. */
  url: string;
  /** Races the pool counted so far (buffer reused while its write was pending). */
  poolRaces(): number;
  close(): Promise<void>;
}

export type StartProxyForMode = (mode: string, profile: string, originUrl: string) => Promise<ProxyForMode>;

/** Modes that must come out clean: the fixes and no pooling. release-on-reset is the bug. */
export const SAFE_MODES: ReadonlySet<string> = new Set(['none', 'discard-on-reset', 'retain']);

export interface CompareOptions extends Omit<ScenarioOptions, 'target' | 'mode' | 'profile' | 'onProgress'> {
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
  /** Safe modes that were not CLEAN. */
  failedSafeModes: string[];
  /** 0 when every safe mode is clean. */
  exitCode: number;
}

export async function runCompare(opts: CompareOptions): Promise<CompareResult> {
  const { modes, profiles, startProxyForMode, origin: originUrl, onProgress, onRunDone, ...scenario } = opts;
  if (modes.length === 0) throw new RangeError('compare needs at least one pooling mode');
  if (profiles.length === 0) throw new RangeError('compare needs at least one profile');
  let demo: DemoOrigin | undefined;
  const runs: CompareResult['runs'] = [];
  try {
    if (!originUrl) demo = await startDemoOrigin({ h2c: { host: '127.0.0.1', port: 0 }, logger: opts.logger });
    const upstream = originUrl ?? demo!.urls.h2c!;
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
            onProgress: (p) => onProgress?.({ mode, profile, index, total }, p),
          });
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
  const failedSafeModes = runs
    .filter((r) => SAFE_MODES.has(r.summary.mode ?? '') && r.summary.verdict !== 'CLEAN')
    .map((r) => `${r.summary.mode} (${r.summary.profile})`);
  return { runs, failedSafeModes, exitCode: failedSafeModes.length === 0 ? 0 : 1 };
}
