/**
 * `h2race scenario --target URL`: browser-like traffic (seeking video, SSE, small requests)
 * through any HTTP/2 server or proxy, and the collateral-damage verdict. Exit code 0 when CLEAN.
 * `--shape` puts a slow link (a TCP relay with a profile's toxics) between the viewers and the
 * target, so a server's own writes are pending when cancels arrive. Ctrl-C ends the run cleanly.
 */
import type { CommandModule } from 'yargs';
import { runScenario } from '../scenario/run.js';
import { summarize } from '../scenario/summary.js';
import { progressBar, scenarioOptionsFrom, trafficOptions, verifierFrom, writeOutputs, type TrafficArgs } from '../scenario/cli-options.js';

interface ScenarioArgs extends TrafficArgs {
  target: string;
  mode?: string;
  profile?: string;
  shape?: string;
}

export const scenarioCommand: CommandModule<object, ScenarioArgs> = {
  command: 'scenario',
  describe: 'drive seeking video + SSE + small requests through --target and report collateral damage',
  builder: (y) =>
    y
      .option('target', { type: 'string', demandOption: true, describe: 'https://host:port (h2 over TLS) or h2c://host:port' })
      .option('mode', { type: 'string', describe: 'label for the report: the pool mode behind the target' })
      .option('profile', { type: 'string', describe: 'label for the report: the network profile behind the target (default: --shape)' })
      .option('shape', {
        type: 'string',
        describe: 'preset or profile file: reach the target through a local TCP relay with this profile on both directions (TLS passes through)',
      })
      .options(trafficOptions) as never,
  handler: async (args) => {
    const verifier = verifierFrom(args, 'demo', args.target);
    const bar = progressBar(!args.json);
    // Ctrl-C ends the run through its finally blocks (viewers, relays, the --shape relay) first.
    const interrupt = new AbortController();
    const onSigint = (): void => interrupt.abort();
    process.once('SIGINT', onSigint);
    try {
      const record = await runScenario({
        ...scenarioOptionsFrom(args),
        target: args.target,
        verifier,
        mode: args.mode,
        profile: args.profile,
        shape: args.shape,
        signal: interrupt.signal,
        onProgress: (p) => bar.update(args.mode ?? 'scenario', p),
      }).catch((err: unknown) => {
        if (!interrupt.signal.aborted) throw err;
        return undefined;
      });
      bar.stop();
      if (!record) {
        process.stderr.write('h2race: scenario interrupted; everything it started is closed\n');
        process.exitCode = 130;
        return;
      }
      const summary = summarize(record);
      writeOutputs([{ summary, record }], args, { verdict: summary.verdict });
      process.exitCode = summary.verdict === 'CLEAN' ? 0 : 1;
    } finally {
      process.off('SIGINT', onSigint);
      bar.stop();
      await verifier.close();
    }
  },
};
