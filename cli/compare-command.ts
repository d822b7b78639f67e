/**
 * `h2race compare` (and `npm start`): the scenario through one h2race per pooling mode in front
 * of the origin — the embedded demo origin unless --origin names one — on a public-internet
 * profile. Prints the table, writes the HTML report; exit code 0 when every safe mode is CLEAN.
 */
import type { CommandModule } from 'yargs';
import { POOL_MODES } from '../faults/pool/types.js';
import { runCompare } from '../scenario/compare.js';
import { h2raceForMode } from '../scenario/h2race-proxy.js';
import { progressBar, scenarioOptionsFrom, trafficOptions, verifierFrom, writeOutputs, type TrafficArgs } from '../scenario/cli-options.js';

/** Cable broadband (5/1 Mbit/s, 28 ms RTT): slow enough that writes are in flight when a cancel arrives. */
export const DEFAULT_COMPARE_PROFILE = 'cable';

interface CompareArgs extends TrafficArgs {
  origin?: string;
  demo: boolean;
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
      .option('modes', { type: 'array', string: true, choices: POOL_MODES, default: [...POOL_MODES], describe: 'pooling modes to compare' })
      .option('profile', { type: 'array', string: true, default: [DEFAULT_COMPARE_PROFILE], describe: 'network profile(s): preset name or profile file' })
      .option('cert', { type: 'string', describe: 'PEM certificate for the h2race proxies (self-signed when absent)' })
      .option('key', { type: 'string', describe: 'PEM key for --cert' })
      .option('insecure', { type: 'boolean', describe: 'do not verify the https:// origin\'s certificate (a self-signed one answers 502 otherwise)' })
      .option('origin-ca', { type: 'string', describe: 'PEM of the CA that signed the https:// origin\'s certificate' })
      .options(trafficOptions)
      .option('html', { type: 'string', default: 'h2race-report.html', describe: 'write the HTML report to this file' })
      .check((a) => {
        if (a.demo && a.origin) throw new Error('--demo and --origin exclude each other');
        return true;
      }) as never,
  handler: async (args) => {
    const verifier = verifierFrom(args, args.origin ? 'reference' : 'demo', args.origin);
    const bar = progressBar(!args.json);
    try {
      const result = await runCompare({
        ...scenarioOptionsFrom(args),
        modes: args.modes,
        profiles: args.profile,
        origin: args.origin,
        verifier,
        startProxyForMode: h2raceForMode({
          seed: args.seed,
          certPath: args.cert,
          keyPath: args.key,
          upstream: { rejectUnauthorized: args.insecure === undefined ? undefined : !args.insecure, ca: args['origin-ca'] },
        }),
        onProgress: (run, p) => bar.update(`${run.mode} (${run.profile}) ${run.index + 1}/${run.total}`, p),
      });
      bar.stop();
      writeOutputs(result.runs, args, { failedSafeModes: result.failedSafeModes, exitCode: result.exitCode });
      if (!args.json && result.failedSafeModes.length > 0) {
        process.stdout.write(`safe modes with collateral damage: ${result.failedSafeModes.join(', ')}\n`);
      }
      process.exitCode = result.exitCode;
    } finally {
      bar.stop();
      await verifier.close();
    }
  },
};
