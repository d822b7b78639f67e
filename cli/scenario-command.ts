/**
 * `h2race scenario --target URL`: browser-like traffic (seeking video, SSE, small requests)
 * through any HTTP/2 server or proxy, and the collateral-damage verdict. Exit code 0 when CLEAN.
 */
import type { CommandModule } from 'yargs';
import { runScenario } from '../scenario/run.js';
import { summarize } from '../scenario/summary.js';
import { progressBar, scenarioOptionsFrom, trafficOptions, verifierFrom, writeOutputs, type TrafficArgs } from '../scenario/cli-options.js';

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
      .option('profile', { type: 'string', describe: 'label for the report: the network profile behind the target' })
      .options(trafficOptions) as never,
  handler: async (args) => {
    const verifier = verifierFrom(args, 'demo', args.target);
    const bar = progressBar(!args.json);
    try {
      const record = await runScenario({
        ...scenarioOptionsFrom(args),
        target: args.target,
        verifier,
        mode: args.mode,
        profile: args.profile,
        onProgress: (p) => bar.update(args.mode ?? 'scenario', p),
      });
      bar.stop();
      const summary = summarize(record);
      writeOutputs([{ summary, record }], args, { verdict: summary.verdict });
      process.exitCode = summary.verdict === 'CLEAN' ? 0 : 1;
    } finally {
      bar.stop();
      await verifier.close();
    }
  },
};
