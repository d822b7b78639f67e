/**
 * `h2race scenario --target URL`: browser-like traffic (seeking video, SSE, small requests)
 * through any HTTP/2 server or proxy, and the verdict (scenario/summary.ts); its exit code is
 * the verdict's (exit-codes.ts). A target that cannot be tested (down, TLS refused, a path that
 * is not there) is verdict ERROR, found by the preflight before the run.
 * `--profile` (alias `--shape`) puts a slow link between the viewers and the target — a local TCP
 * relay running the profile's link faults, as `--profile` shapes the link in `proxy` and
 * `compare` — so a server's own writes are pending when cancels arrive. Ctrl-C ends the run
 * through its cleanup, then one line on stderr and exit 130.
 */
import type { CommandModule } from 'yargs';
import { checkProfileFlag } from './fault-options.js';
import { TARGET_SCHEMES } from '../scenario/client-session.js';
import { runScenario } from '../scenario/run.js';
import { frameToxicIn } from '../scenario/shaped-path.js';
import { summarize } from '../scenario/summary.js';
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
import { urlFlag } from './flag-rules.js';
import { stderrLogger } from './logger.js';
import { runTraffic } from './traffic-run.js';
import { UsageError } from './usage-error.js';

interface ScenarioArgs extends TrafficArgs {
  target: string;
  mode?: string;
  profile?: string;
}

export const scenarioCommand: CommandModule<object, ScenarioArgs> = {
  command: 'scenario',
  describe: 'drive seeking video + SSE + small requests through --target and report collateral damage',
  builder: (y) =>
    y
      .option('target', { type: 'string', demandOption: true, describe: 'https://host:port (h2 over TLS) or h2c://host:port' })
      .option('mode', { type: 'string', describe: 'label for the report: the pool mode behind the target' })
      .option('profile', {
        alias: 'shape',
        type: 'string',
        describe: 'network preset or profile file: the viewers reach the target through a local TCP relay running it both ways (TLS passes through)',
      })
      .options(trafficOptions)
      .check((a) => {
        urlFlag('target', a.target, TARGET_SCHEMES);
        checkProfile(a.profile);
        checkTrafficFlags(a as unknown as TrafficArgs);
        return true;
      })
      .epilog(VERDICT_EXIT_CODES_HELP) as never,
  handler: async (args) => {
    const verifier = verifierFrom(args, 'demo', args.target);
    const bar = progressBar(!args.json);
    const outcome = await runTraffic({ verifier, bar }, (signal) =>
      runScenario({
        ...scenarioOptionsFrom(args),
        target: args.target,
        verifier,
        mode: args.mode,
        shape: args.profile,
        signal,
        logger: stderrLogger('h2race-scenario', 'warn'),
        onProgress: (p) => bar.update(args.mode ?? 'scenario', p),
      }),
    );
    if (outcome.kind === 'could-not-test') {
      writeCouldNotTest(args, outcome.error.message);
      process.exitCode = ExitCode.CouldNotTest;
      return;
    }
    if (outcome.kind === 'interrupted') {
      process.stderr.write('h2race scenario: interrupted before the run ended; everything it started is closed\n');
      process.exitCode = ExitCode.Interrupted;
      return;
    }
    const record = outcome.result;
    const summary = summarize(record);
    const exitCode = verdictExitCode(summary.verdict);
    writeOutputs([{ summary, record }], args, args.html, { verdict: summary.verdict, error: summary.error, exitCode });
    process.exitCode = exitCode;
  },
};

/** A preset or profile file whose faults a TCP relay can run (link faults, not HTTP/2 frame ones). */
function checkProfile(profile: string | string[] | undefined): void {
  if (profile === undefined) return;
  if (Array.isArray(profile)) throw new UsageError(`--profile given ${profile.length} times: give it once`);
  const frame = frameToxicIn(checkProfileFlag('--profile', profile));
  if (frame) {
    throw new UsageError(
      `--profile ${profile} has the HTTP/2 frame fault ${frame}, which scenario's TCP relay cannot run on TLS; put it in an h2race proxy in front of the target instead (h2race proxy --profile ${profile})`,
    );
  }
}
