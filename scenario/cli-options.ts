/**
 * The traffic options `h2race scenario` and `h2race compare` share, their checks and their
 * translation into ScenarioOptions; plus the progress bar and the outputs both print: the table or
 * --json on stdout (nothing else goes there), progress on stderr, the HTML report when asked for.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import type { Options } from 'yargs';
import { verdictExitCode } from '../cli/exit-codes.js';
import { readableFiles, urlFlag, writableFile } from '../cli/flag-rules.js';
import { numberFlags } from '../cli/number-flags.js';
import { UsageError } from '../cli/usage-error.js';
import { formatTable } from './report-table.js';
import { renderHtmlReport, type ReportRun } from './report-html.js';
import { DEFAULT_PATHS, SCENARIO_DEFAULTS, SCENARIO_LIMITS, type ScenarioOptions, type ScenarioProgress } from './run.js';
import { ReferenceVerifier } from './reference-verifier.js';
import { demoVerifier, type ContentVerifier } from './verifier.js';
import { ALL_TRAFFIC, DEFAULT_TRAFFIC, TRAFFIC_KINDS, trafficKinds } from './traffic-kinds.js';

export interface TrafficArgs {
  viewers: number;
  duration: number;
  seed: number;
  'seek-rate': number;
  'small-rate': number;
  'video-bitrate': number;
  'video-path': string;
  'events-path': string;
  'small-path': string;
  'upload-path': string;
  'echo-path': string;
  'headers-path': string;
  traffic: string[];
  'stall-after': number;
  ca?: string;
  verify?: 'demo' | 'reference';
  reference?: string;
  json: boolean;
  html?: string;
}

/** The number flags take runScenario's limits, so that a bad value is named by its flag before anything starts. */
export const trafficOptions = {
  ...numberFlags({
    viewers: { ...SCENARIO_LIMITS.viewers, default: SCENARIO_DEFAULTS.viewers, describe: 'simulated viewers, one HTTP/2 connection each' },
    duration: { above: SCENARIO_LIMITS.durationMs.above, max: SCENARIO_LIMITS.durationMs.max / 1000, default: SCENARIO_DEFAULTS.durationMs / 1000, describe: 'seconds per run' },
    seed: { integer: true, default: SCENARIO_DEFAULTS.seed, describe: 'seed for seek times/positions and the proxy faults' },
    'seek-rate': { ...SCENARIO_LIMITS.seeksPerSecond, default: SCENARIO_DEFAULTS.seeksPerSecond, describe: 'mean seeks per second per viewer (each cancels a range)' },
    'small-rate': { ...SCENARIO_LIMITS.smallPerSecond, default: SCENARIO_DEFAULTS.smallPerSecond, describe: 'mean small requests per second per viewer' },
    'video-bitrate': {
      min: SCENARIO_LIMITS.videoBitsPerSecond.min / 1e6,
      max: SCENARIO_LIMITS.videoBitsPerSecond.max / 1e6,
      default: SCENARIO_DEFAULTS.videoBitsPerSecond / 1e6,
      describe: "Mbit/s of the video: the player plays at it, reads ahead Chromium's 10 s of it (2-20 MiB) plus 1 MiB, then pauses the stream until it is back below 10 s",
    },
    'stall-after': { ...SCENARIO_LIMITS.stallAfterMs, default: SCENARIO_DEFAULTS.stallAfterMs, describe: 'ms without progress (the connection answering PING) after which a stream counts as stalled' },
  }),
  traffic: {
    type: 'array',
    string: true,
    choices: [...TRAFFIC_KINDS, ALL_TRAFFIC],
    default: [...DEFAULT_TRAFFIC],
    describe: 'kinds of traffic to send (README, "The catalogue"); all = every kind',
  },
  'upload-path': { type: 'string', default: DEFAULT_PATHS.upload, describe: 'cancelled-uploads: where uploads go (a slow consumer that echoes the body)' },
  'echo-path': { type: 'string', default: DEFAULT_PATHS.echo, describe: 'trailers: an echo of the body and the request trailers' },
  'headers-path': { type: 'string', default: DEFAULT_PATHS.headers, describe: 'bursts, header-sets: the request headers back as JSON' },
  'video-path': { type: 'string', default: DEFAULT_PATHS.video, describe: 'path of the ranged resource the player seeks in' },
  'events-path': { type: 'string', default: DEFAULT_PATHS.events, describe: 'path of the SSE stream' },
  'small-path': { type: 'string', default: DEFAULT_PATHS.small, describe: 'path of the small requests' },
  ca: { type: 'string', describe: 'PEM CA file to verify the target with (default: accept any certificate)' },
  verify: {
    choices: ['demo', 'reference'],
    describe: "how corrupted bytes are found: 'demo' (the demo origin's content function) or 'reference' (fetch the same range again from --reference)",
  },
  reference: { type: 'string', describe: 'h2 URL to re-fetch ranges from for --verify reference (best: the origin itself)' },
  json: { type: 'boolean', default: false, describe: 'print the results as JSON on stdout (no table, no progress bar, no HTML unless --html)' },
  html: { type: 'string', describe: 'write the HTML report to this file' },
} satisfies Record<string, Options>;

/** What the traffic flags alone can tell, before anything starts. */
export function checkTrafficFlags(args: TrafficArgs): void {
  readableFiles(args as unknown as Record<string, unknown>, ['ca']);
  writableFile('html', args.html);
  urlFlag('reference', args.reference, ['https:', 'h2c:']);
  for (const name of ['video-path', 'events-path', 'small-path', 'upload-path', 'echo-path', 'headers-path'] as const) {
    if (!args[name].startsWith('/')) throw new UsageError(`--${name} must start with /, got ${JSON.stringify(args[name])}`);
  }
}

export function scenarioOptionsFrom(args: TrafficArgs): Omit<ScenarioOptions, 'target'> {
  const ca = args.ca === undefined ? undefined : readText(args.ca, '--ca');
  return {
    ca,
    viewers: args.viewers,
    durationMs: args.duration * 1000,
    seed: args.seed,
    seeksPerSecond: args['seek-rate'],
    smallPerSecond: args['small-rate'],
    videoBitsPerSecond: args['video-bitrate'] * 1e6,
    stallAfterMs: args['stall-after'],
    traffic: trafficKinds(args.traffic),
    paths: {
      video: args['video-path'],
      events: args['events-path'],
      small: args['small-path'],
      upload: args['upload-path'],
      echo: args['echo-path'],
      headers: args['headers-path'],
    },
  };
}

/** The verifier the flags ask for; `fallbackReference` is used when --verify reference has no --reference. */
export function verifierFrom(args: TrafficArgs, defaultKind: 'demo' | 'reference', fallbackReference: string | undefined): ContentVerifier {
  const kind = args.verify ?? defaultKind;
  if (kind === 'demo') return demoVerifier;
  const url = args.reference ?? fallbackReference;
  if (!url) throw new UsageError('--verify reference needs --reference <h2 URL>');
  return new ReferenceVerifier({ url, ca: args.ca === undefined ? undefined : readText(args.ca, '--ca') });
}

/** A progress bar on stderr (silent when stderr is not a terminal, or for --json). */
export function progressBar(enabled: boolean): { update(label: string, p: ScenarioProgress): void; stop(): void } {
  if (!enabled || !process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: '{label} [{bar}] {percentage}% | {streams} streams | failed {failed} | GOAWAY {goaways}',
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let current: string | undefined;
  return {
    update(label, p) {
      const payload = { label, streams: p.streams, failed: p.failed, goaways: p.goaways };
      if (current !== label) {
        if (current !== undefined) bar.stop();
        bar.start(p.durationMs, p.elapsedMs, payload);
        current = label;
      } else {
        bar.update(p.elapsedMs, payload);
      }
    },
    stop: () => bar.stop(),
  };
}

/** Table (or JSON) on stdout, and the HTML report to `html` when there is one. */
export function writeOutputs(runs: readonly ReportRun[], args: TrafficArgs, html: string | undefined, extra: Record<string, unknown>): void {
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ ...extra, runs: runs.map((r) => ({ summary: r.summary, goaways: r.record.goaways, verifyErrors: r.record.verifyErrors.slice(0, 20) })) }, null, 2)}\n`);
  } else if (runs.length > 0) {
    process.stdout.write(`${formatTable(runs.map((r) => r.summary), process.stdout.isTTY === true)}\n`);
  }
  if (html !== undefined && runs.length > 0) {
    writeFileSync(html, renderHtmlReport(runs));
    if (!args.json) process.stdout.write(`HTML report: ${html}\n`);
  }
}

/**
 * A run that could not test (a PreflightError): the cause on stdout — one line, or with --json
 * the same object a run prints, with no runs.
 */
export function writeCouldNotTest(args: TrafficArgs, cause: string): void {
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ verdict: 'ERROR', error: cause, exitCode: verdictExitCode('ERROR'), runs: [] }, null, 2)}\n`);
  } else {
    process.stdout.write(`ERROR: could not test: ${cause}\n`);
  }
}

function readText(path: string, field: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`${field}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
}
