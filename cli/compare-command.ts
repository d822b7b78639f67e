/**
 * `h2race compare` (and `npm start`): the scenario through one h2race per pooling mode in front
 * of the origin — the embedded demo origin unless --origin names one — on a public-internet
 * profile. Prints the table (or --json) on stdout, a line per finished run on stderr, and writes
 * the HTML report (with --json only when --html names it). The exit code is the worst safe
 * mode's verdict's (exit-codes.ts): 0 when every safe mode is CLEAN; an origin that cannot be
 * tested is verdict ERROR before any mode runs. Ctrl-C prints the runs finished so far and exits 130.
 * With --grpc the traffic is gRPC clients (scenario/grpc-viewer.ts) against the embedded gRPC demo
 * origin (origin/grpc-origin.ts): large calls cancelled mid-answer beside a server-streaming call.
 */
import type { CommandModule } from 'yargs';
import { checkProfileFlag } from './fault-options.js';
import { POOL_MODES } from '../faults/pool/types.js';
import { BUG_MODELS } from '../h2/proto/bug-models/catalogue.js';
import { runCompare, SAFE_MODES, type CompareResult } from '../scenario/compare.js';
import type { Verdict } from '../scenario/summary.js';
import { h2raceForMode } from '../scenario/h2race-proxy.js';
import type { ReportRun } from '../scenario/report-html.js';
import {
  checkTrafficFlags,
  progressBar,
  scenarioOptionsFrom,
  trafficOptions,
  verifierFrom,
  writeCouldNotTest,
  writeOutputs,
  type TrafficArgs,
} from '../scenario/cli-options.js';
import { ExitCode, VERDICT_EXIT_CODES_HELP, verdictExitCode } from './exit-codes.js';
import { exclusive, readableFiles, together, urlFlag } from './flag-rules.js';
import { stderrLogger } from './logger.js';
import { runTraffic } from './traffic-run.js';

/** Cable broadband (5/1 Mbit/s, 28 ms RTT): slow enough that writes are in flight when a cancel arrives. */
const DEFAULT_COMPARE_PROFILE = 'cable';
/** Where the HTML report goes when --html does not say (and --json is not given). */
const DEFAULT_HTML_REPORT = 'h2race-report.html';

interface CompareArgs extends TrafficArgs {
  origin?: string;
  demo: boolean;
  grpc: boolean;
  modes: string[];
  profile: string[];
  cert?: string;
  key?: string;
  insecure?: boolean;
  'origin-ca'?: string;
}

export const compareCommand: CommandModule<object, CompareArgs> = {
  command: 'compare',
  describe: 'run the scenario through h2race in every pooling mode and compare the collateral damage',
  builder: (y) =>
    y
      .option('origin', { type: 'string', describe: 'your origin (https://, h2c://, http://); default: the embedded demo origin' })
      .option('demo', { type: 'boolean', default: false, describe: 'use the embedded demo origin (the default when --origin is absent)' })
      .option('grpc', {
        type: 'boolean',
        default: false,
        describe: 'gRPC clients instead of viewers: each cancels large unary calls mid-answer (at --seek-rate) beside a server-streaming call on the same connection, against the embedded gRPC demo origin (or an --origin serving its h2race.Demo service)',
      })
      .option('modes', { type: 'array', string: true, choices: [...POOL_MODES, ...BUG_MODELS], default: [...POOL_MODES], describe: 'pooling modes and bug models (README, "The catalogue") to compare' })
      .option('profile', { type: 'array', string: true, default: [DEFAULT_COMPARE_PROFILE], describe: 'network profile(s): preset name or profile file' })
      .option('cert', { type: 'string', describe: 'PEM certificate for the h2race proxies (self-signed when absent)' })
      .option('key', { type: 'string', describe: 'PEM key for --cert' })
      .option('insecure', { type: 'boolean', describe: 'do not verify the https:// origin\'s certificate (a self-signed one answers 502 otherwise)' })
      .option('origin-ca', { type: 'string', describe: 'PEM of the CA that signed the https:// origin\'s certificate' })
      .options(trafficOptions)
      .option('html', { type: 'string', defaultDescription: `${DEFAULT_HTML_REPORT}; none with --json`, describe: 'write the HTML report to this file' })
      .check((a) => {
        exclusive(a, 'demo', 'origin');
        urlFlag('origin', a.origin, ['https:', 'h2c:', 'http:']);
        together(a, 'cert', 'key');
        readableFiles(a, ['cert', 'key', 'origin-ca']);
        for (const profile of a.profile) checkProfileFlag('--profile', profile);
        checkTrafficFlags(a as unknown as TrafficArgs);
        return true;
      })
      .epilog(VERDICT_EXIT_CODES_HELP) as never,
  handler: async (args) => {
    const html = args.html ?? (args.json ? undefined : DEFAULT_HTML_REPORT);
    const verifier = verifierFrom(args, args.origin ? 'reference' : 'demo', args.origin);
    const bar = progressBar(!args.json);
    const total = args.modes.length * args.profile.length;
    const finished: ReportRun[] = [];
    const outcome = await runTraffic({ verifier, bar }, (signal) =>
      runCompare({
        ...scenarioOptionsFrom(args),
        clients: args.grpc ? 'grpc' : 'browser',
        modes: args.modes,
        profiles: args.profile,
        origin: args.origin,
        verifier,
        signal,
        logger: stderrLogger('h2race-compare', 'warn'),
        startProxyForMode: h2raceForMode({
          seed: args.seed,
          certPath: args.cert,
          keyPath: args.key,
          upstream: { rejectUnauthorized: args.insecure === undefined ? undefined : !args.insecure, ca: args['origin-ca'] },
        }),
        onProgress: (run, p) => bar.update(`${run.mode} (${run.profile}) ${run.index + 1}/${run.total}`, p),
        onRunDone: (run, index) => {
          finished.push(run);
          bar.stop();
          process.stderr.write(`h2race compare: run ${index + 1}/${total} done: ${run.summary.mode} (${run.summary.profile}) ${run.summary.verdict}\n`);
        },
      }),
    );
    if (outcome.kind === 'could-not-test') {
      const { error } = outcome;
      writeCouldNotTest(args, error.proxyError === 'tls' && !args.insecure ? `${error.message} (${TLS_HINT})` : error.message);
      process.exitCode = ExitCode.CouldNotTest;
      return;
    }
    if (outcome.kind === 'interrupted') {
      process.stderr.write(`h2race compare: interrupted; ${finished.length} of ${total} runs finished${finished.length > 0 ? ' and are reported' : ''}\n`);
      writeOutputs(finished, args, html, { interrupted: true, finishedRuns: finished.length, totalRuns: total });
      process.exitCode = ExitCode.Interrupted;
      return;
    }
    const result = outcome.result;
    const exitCode = verdictExitCode(result.verdict);
    writeOutputs(result.runs, args, html, { verdict: result.verdict, failedSafeModes: result.failedSafeModes, exitCode });
    if (!args.json) process.stdout.write(safeModeLines(result));
    process.exitCode = exitCode;
  },
};

const TLS_HINT = "the origin's certificate was refused: --insecure accepts a self-signed one, --origin-ca FILE names its CA";

const SAFE_MODE_LINES: [Verdict, string][] = [
  ['COLLATERAL', 'safe modes with collateral damage'],
  ['ERROR', 'safe modes that could not test'],
  ['ORIGIN-ERRORS', 'safe modes with origin errors'],
];

/** One line per kind of verdict the safe modes should not have, naming them. */
function safeModeLines(result: CompareResult): string {
  return SAFE_MODE_LINES.map(([verdict, title]) => {
    const modes = result.runs.map((r) => r.summary).filter((s) => s.verdict === verdict && SAFE_MODES.has(s.mode ?? ''));
    return modes.length === 0 ? '' : `${title}: ${modes.map((s) => `${s.mode} (${s.profile})`).join(', ')}\n`;
  }).join('');
}
