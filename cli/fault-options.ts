/**
 * The fault flags of `h2race proxy` — link faults and HTTP/2 frame faults — (yargs option
 * definitions) and their translation into FaultSettings, on top of the config file's; and the
 * check of a `--profile` value every command that takes one runs. A bad value is a UsageError
 * naming its flag.
 */
import type { Options } from 'yargs';
import { didYouMean } from './nearest.js';
import { numberFlags } from './number-flags.js';
import { UsageError } from './usage-error.js';
import { parseReorder, parseRstDelay, parseRstInject } from '../faults/profiles/frame-fault-settings.js';
import { isProfileFile, planFaults, type FaultPlan, type FaultSettings } from '../faults/profiles/plan.js';
import { findPreset, presetNames } from '../faults/profiles/presets.js';
import { loadTrace, TraceError } from '../faults/profiles/trace-loader.js';
import { parseDuration, parsePercent, parseQueue, parseRate, UnitError } from '../faults/profiles/units.js';

export const faultCliOptions = {
  profile: {
    type: 'string',
    describe: `network preset (${presetNames().join(', ')}) or a profile file (.yaml) with timed steps`,
  },
  latency: { type: 'string', describe: 'one-way delay added in each direction, e.g. 80ms (RTT grows by twice this)' },
  jitter: { type: 'string', describe: 'latency variation (uniform ±), e.g. 20ms' },
  bandwidth: { type: 'string', describe: 'rate limit in each direction, e.g. 4mbit, 512kbit' },
  queue: { type: 'string', describe: "the bottleneck's queue in each direction, bytes or time at its rate, e.g. 256kb, 200ms (presets have their own)" },
  loss: { type: 'string', describe: 'TCP segment loss, e.g. 0.5%; a loss holds the stream a round trip (fast retransmit), a tail loss an RTO (200ms)' },
  'trace-down': { type: 'string', describe: 'Mahimahi trace shaping server → client' },
  'trace-up': { type: 'string', describe: 'Mahimahi trace shaping client → server' },
  reorder: {
    type: 'string',
    describe: '<window>[:<probability>]: DATA frames to the client held (probability each, default 0.5) so frames of other streams overtake them, within window frames, e.g. 8:0.3',
  },
  'rst-delay': { type: 'string', describe: 'hold each client RST_STREAM this long before the server sees it, e.g. 50ms' },
  'rst-inject': {
    type: 'string',
    describe: '<path>[@<after>][:<probability>]: cancel streams whose :path matches (prefix or /regex/) after this long from the response start, both ways (a browser seek without a browser), e.g. /video@300ms:0.5',
  },
  ...numberFlags({ seed: { integer: true, describe: 'seed for every random fault decision (same seed, same run)' } }),
} as const satisfies Record<string, Options>;

export interface FaultArgs {
  profile?: string;
  latency?: string | number;
  jitter?: string | number;
  bandwidth?: string | number;
  queue?: string | number;
  loss?: string | number;
  traceDown?: string;
  traceUp?: string;
  reorder?: string | number;
  rstDelay?: string | number;
  rstInject?: string;
  seed?: number;
}

/** Flags given on the command line win over `config` (the config file's faults). */
export function faultSettingsFromArgs(args: FaultArgs, config: FaultSettings = {}): FaultSettings {
  const settings: FaultSettings = { ...config };
  if (args.profile !== undefined) settings.profile = args.profile;
  if (args.latency !== undefined) settings.latency = flag('--latency', parseDuration, args.latency);
  if (args.jitter !== undefined) settings.jitter = flag('--jitter', parseDuration, args.jitter);
  if (args.bandwidth !== undefined) settings.bandwidth = flag('--bandwidth', parseRate, args.bandwidth);
  if (args.queue !== undefined) settings.queue = flag('--queue', parseQueue, args.queue);
  if (args.loss !== undefined) settings.loss = flag('--loss', parsePercent, args.loss);
  if (args.traceDown !== undefined) settings.traceDown = flag('--trace-down', traceFile, args.traceDown);
  if (args.traceUp !== undefined) settings.traceUp = flag('--trace-up', traceFile, args.traceUp);
  if (args.reorder !== undefined) settings.reorder = flag('--reorder', parseReorder, args.reorder);
  if (args.rstDelay !== undefined) settings.rstDelay = flag('--rst-delay', parseRstDelay, args.rstDelay);
  if (args.rstInject !== undefined) settings.rstInject = flag('--rst-inject', parseRstInject, args.rstInject);
  if (args.queue !== undefined && !hasBottleneck(settings)) {
    throw new UsageError('--queue needs a bottleneck: --bandwidth, or a --profile preset with a rate (or a profile file)');
  }
  if (args.seed !== undefined) {
    if (!Number.isSafeInteger(args.seed)) throw new UsageError(`--seed must be an integer, got ${JSON.stringify(String(args.seed))}`);
    settings.seed = args.seed;
  }
  return settings;
}

/** A rate the queue can sit in front of; a profile file's steps are checked as it loads. */
function hasBottleneck(settings: FaultSettings): boolean {
  if (settings.bandwidth !== undefined || (settings.profile !== undefined && isProfileFile(settings.profile))) return true;
  return settings.profile !== undefined && findPreset(settings.profile)?.downBitsPerSecond !== undefined;
}

function flag<T>(name: string, parse: (v: string | number) => T, value: string | number): T {
  try {
    return parse(value);
  } catch (err) {
    if (err instanceof UnitError || err instanceof TraceError) throw new UsageError(`${name}: ${err.message}`);
    throw err;
  }
}

/** The path, once it loads as a Mahimahi trace. */
function traceFile(value: string | number): string {
  loadTrace(String(value));
  return String(value);
}

/**
 * A `--profile` value: a preset (the nearest one named when it is none) or a profile file that
 * loads; its plan, for a caller with more to check.
 */
export function checkProfileFlag(flag: string, profile: string): FaultPlan {
  if (!isProfileFile(profile) && !findPreset(profile)) {
    const near = didYouMean(profile, presetNames()) || ` (presets: ${presetNames().join(', ')})`;
    throw new UsageError(`${flag} "${profile}" is neither a preset nor a profile file${near}`);
  }
  try {
    return planFaults({ profile });
  } catch (err) {
    throw new UsageError(`${flag} ${(err as Error).message}`);
  }
}
