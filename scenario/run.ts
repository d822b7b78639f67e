/**
 * runScenario(): browser-like traffic through a target for a fixed time, recorded stream by
 * stream (types.ts). A preflight (preflight.ts) first checks the target can be tested at all —
 * a target that cannot is a PreflightError, not a run. Viewers start staggered, run until the
 * duration is over, drain (drain.ts: until what the server wrote after the last cancel has
 * arrived), then stop; the run waits (bounded) for asynchronous verification before it returns
 * its record. With `shape`, every viewer connection reaches the target through a shaping relay
 * (shaped-path.ts).
 */
import { pino, type Logger } from 'pino';
import { describeRule, meetsRule, type NumberRule } from '../cli/number-flags.js';
import { SeededRandom } from '../faults/random.js';
import { parseTarget, type TargetOptions } from './client-session.js';
import { drainViewers } from './drain.js';
import { FrameTapRelay } from './frame-tap.js';
import { GRPC_PATHS } from '../origin/grpc-origin.js';
import { GrpcViewer } from './grpc-viewer.js';
import { preflight, preflightGrpc, probeConnection } from './preflight.js';
import { RunRecorder } from './recorder.js';
import { startShapedPath, type ShapedPath } from './shaped-path.js';
import type { DrainRecord, RunRecord } from './types.js';
import { demoVerifier, type ContentVerifier } from './verifier.js';
import { Viewer, type ScenarioPaths } from './viewer.js';
import { DEFAULT_TRAFFIC, type TrafficKind } from './traffic-kinds.js';

export interface ScenarioOptions {
  /** https://host:port (h2 over TLS) or h2c://host:port. */
  target: string;
  /** PEM CA for the target; without it any certificate is accepted (self-signed proxies). */
  ca?: string;
  viewers?: number;
  durationMs?: number;
  seed?: number;
  /** Mean seeks per second per viewer. */
  seeksPerSecond?: number;
  /** Mean small requests per second per viewer. */
  smallPerSecond?: number;
  /** The video's bitrate, bits per second: how fast the player plays and how far ahead it reads (video-player.ts). */
  videoBitsPerSecond?: number;
  paths?: Partial<ScenarioPaths>;
  /** The kinds of traffic sent (traffic-kinds.ts); DEFAULT_TRAFFIC when absent. */
  traffic?: readonly TrafficKind[];
  /** A stream without progress this long (its connection open, a PING answered) counts as stalled. */
  stallAfterMs?: number;
  /** How bodies are checked; the demo origin's content function by default. */
  verifier?: ContentVerifier;
  /**
   * A preset or profile file: viewers reach the target through a TCP relay with its link toxics
   * both ways, so the target's writes queue up as over the internet. The report labels the
   * profile with it unless `profile` is given.
   */
  shape?: string;
  /**
   * What the clients do: `browser` (default) — viewers with a seeking video, an SSE stream and
   * small requests (viewer.ts); `grpc` — gRPC clients of the demo gRPC service cancelling large
   * calls beside a server-streaming one (grpc-viewer.ts; `paths` are unused).
   */
  clients?: Clients;
  /** Labels for the report. */
  mode?: string;
  profile?: string;
  /**
   * Check every path before the run (default). compare checks once, through a faultless proxy,
   * before any mode runs, and then only connects: a profile's frame faults may cancel a check.
   */
  preflight?: boolean;
  /** Ends the run early (Ctrl-C): everything is closed, then runScenario rejects. */
  signal?: AbortSignal;
  onProgress?: (progress: ScenarioProgress) => void;
  logger?: Logger;
}

export interface ScenarioProgress {
  elapsedMs: number;
  durationMs: number;
  streams: number;
  /** Streams that failed although nobody on our side ended them (whose fault is known at the end). */
  failed: number;
  corruptBytes: number;
  goaways: number;
}

export type Clients = 'browser' | 'grpc';

export const DEFAULT_PATHS: ScenarioPaths = { video: '/video', events: '/events', small: '/small', upload: '/echo?rate=4096', echo: '/echo', headers: '/headers' };
/** videoBitsPerSecond: 5 Mbit/s, Netflix's recommended speed for HD (help.netflix.com/en/node/306). */
export const SCENARIO_DEFAULTS = { viewers: 4, durationMs: 10_000, seed: 1, seeksPerSecond: 2, smallPerSecond: 2, stallAfterMs: 5000, videoBitsPerSecond: 5_000_000 };
/** The one statement of the number options' limits: runScenario checks them, the CLI's flags take them (cli-options.ts). */
export const SCENARIO_LIMITS = {
  viewers: { integer: true, min: 1, max: 1000 },
  durationMs: { above: 0, max: 24 * 3600_000 },
  seeksPerSecond: { min: 0, max: 100 },
  smallPerSecond: { min: 0, max: 100 },
  stallAfterMs: { min: 100, max: 600_000 },
  videoBitsPerSecond: { min: 1000, max: 1e10 },
} satisfies Record<string, NumberRule>;

const STAGGER_MS = 25;
const PROGRESS_EVERY_MS = 250;
const CONNECT_TIMEOUT_MS = 5000;
/** A path's check through a proxy waits for the origin's answer too. */
const PREFLIGHT_TIMEOUT_MS = 10_000;
/** A handshake over a slow profile takes a few of its round trips (3g-slow: 2 s each). */
const SHAPED_CONNECT_TIMEOUT_MS = 30_000;
const VERIFY_WAIT_MS = 15_000;

export async function runScenario(opts: ScenarioOptions): Promise<RunRecord> {
  const viewers = opts.viewers ?? SCENARIO_DEFAULTS.viewers;
  const durationMs = opts.durationMs ?? SCENARIO_DEFAULTS.durationMs;
  const seed = opts.seed ?? SCENARIO_DEFAULTS.seed;
  const seeksPerSecond = opts.seeksPerSecond ?? SCENARIO_DEFAULTS.seeksPerSecond;
  const smallPerSecond = opts.smallPerSecond ?? SCENARIO_DEFAULTS.smallPerSecond;
  const stallAfterMs = opts.stallAfterMs ?? SCENARIO_DEFAULTS.stallAfterMs;
  const videoBitsPerSecond = opts.videoBitsPerSecond ?? SCENARIO_DEFAULTS.videoBitsPerSecond;
  for (const [name, value] of Object.entries({ viewers, durationMs, seeksPerSecond, smallPerSecond, stallAfterMs, videoBitsPerSecond })) {
    const rule: NumberRule = SCENARIO_LIMITS[name as keyof typeof SCENARIO_LIMITS];
    check(meetsRule(rule, value), `${name} must be ${describeRule(rule)}, got ${value}`);
  }
  const paths = pathsOf(opts);
  const url = parseTarget(opts.target, 'target');
  // Straight to the target first: an unreachable one is named as such, not as a relay failure.
  if (opts.preflight === false) await probeConnection({ url: opts.target, ca: opts.ca }, CONNECT_TIMEOUT_MS);
  else await preflightTarget(opts);
  checkAborted(opts.signal);
  let shaped: ShapedPath | undefined;
  if (opts.shape !== undefined) {
    shaped = await startShapedPath(url, opts.shape, seed, opts.logger ?? pino({ level: 'silent' }));
  }
  try {
    const target = { url: opts.target, ca: opts.ca, via: shaped?.address };
    const rttMs = shaped && (await probeConnection(target, SHAPED_CONNECT_TIMEOUT_MS));
    const record = await drive(opts, target, { viewers, durationMs, seed, seeksPerSecond, smallPerSecond, stallAfterMs, videoBitsPerSecond, paths });
    if (!shaped) return record;
    return { ...record, shapedPath: { rttMs, downBytesPerSecond: shaped.downBytesPerSecond(), preset: shaped.preset } };
  } finally {
    await shaped?.close();
  }
}

/** The preflight runScenario does first (preflight.ts): a PreflightError when the target cannot be tested. */
export async function preflightTarget(opts: Pick<ScenarioOptions, 'target' | 'ca' | 'paths' | 'clients'>): Promise<void> {
  // A bad URL is refused by openSession's parseTarget, as for every session.
  const target = { url: opts.target, ca: opts.ca };
  if (opts.clients === 'grpc') await preflightGrpc(target, GRPC_PATHS.ping, PREFLIGHT_TIMEOUT_MS);
  else await preflight(target, pathsOf(opts), PREFLIGHT_TIMEOUT_MS);
}

function pathsOf(opts: Pick<ScenarioOptions, 'paths'>): ScenarioPaths {
  const paths = { ...DEFAULT_PATHS, ...opts.paths };
  for (const [name, path] of Object.entries(paths)) check(path.startsWith('/'), `${name} path must start with /, got "${path}"`);
  return paths;
}

interface DriveSettings {
  viewers: number;
  durationMs: number;
  seed: number;
  seeksPerSecond: number;
  smallPerSecond: number;
  stallAfterMs: number;
  videoBitsPerSecond: number;
  paths: ScenarioPaths;
}

async function drive(opts: ScenarioOptions, target: TargetOptions, { viewers, durationMs, seed, seeksPerSecond, smallPerSecond, stallAfterMs, videoBitsPerSecond, paths }: DriveSettings): Promise<RunRecord> {
  const relay = await FrameTapRelay.start();
  const recorder = new RunRecorder();
  const pending = new Set<Promise<void>>();
  const random = new SeededRandom(seed, 'scenario');
  const settings = {
    target,
    relay,
    paths,
    seeksPerSecond,
    smallPerSecond,
    videoBitsPerSecond,
    traffic: new Set(opts.traffic ?? DEFAULT_TRAFFIC),
    stallAfterMs,
    recorder,
    verifier: opts.verifier ?? demoVerifier,
    pending,
  };
  const Client = opts.clients === 'grpc' ? GrpcViewer : Viewer;
  const crowd = Array.from({ length: viewers }, (_, i) => new Client(i + 1, settings, random.fork(`viewer-${i + 1}`)));
  const starts = crowd.map((viewer, i) => setTimeout(() => viewer.start(), i * STAGGER_MS));
  const progress = (): void =>
    opts.onProgress?.({
      elapsedMs: Math.min(durationMs, recorder.now()),
      durationMs,
      streams: recorder.streams.length,
      failed: recorder.failed,
      corruptBytes: recorder.corruptBytes,
      goaways: recorder.goaways.length,
    });
  const ticker = setInterval(progress, PROGRESS_EVERY_MS);
  let drain: DrainRecord | undefined;
  try {
    await sleep(durationMs, opts.signal);
    if (!opts.signal?.aborted) drain = await drainViewers(crowd, recorder, opts.signal);
  } finally {
    clearInterval(ticker);
    starts.forEach(clearTimeout);
    await Promise.all(crowd.map((v) => v.stop()));
    await relay.close();
  }
  checkAborted(opts.signal);
  await settle(pending, opts.logger);
  progress();
  return recorder.result({ target: opts.target, clients: opts.clients, mode: opts.mode, profile: opts.profile ?? opts.shape, shape: opts.shape, seed, viewers, drain, stallAfterMs });
}

/** `ms`, or until `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new Error('scenario interrupted');
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new RangeError(message);
}

/** Waits (bounded) for the verifications still running; the one deadline timer ends with the wait. */
async function settle(pending: Set<Promise<void>>, logger?: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let late = false;
  const timeUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, VERIFY_WAIT_MS)));
  void timeUp.then(() => (late = true));
  try {
    while (pending.size > 0 && !late) await Promise.race([Promise.all([...pending]), timeUp]);
  } finally {
    clearTimeout(timer);
  }
  if (pending.size > 0) logger?.warn({ pending: pending.size }, 'verification still running at the end of the run; its bytes are not counted');
}
