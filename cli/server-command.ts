/**
 * `h2race server`: the Toxiproxy-compatible admin API, as `toxiproxy-server` runs it, plus
 * GET /metrics. Proxies (and their toxics) can come from the config file's `proxies:` list;
 * `--host`/`--port` override the file's `api:` section. Runs until SIGINT/SIGTERM.
 */
import type { Logger } from 'pino';
import { untilSignal } from './signals.js';
import type { CommandModule } from 'yargs';
import { loadConfigFile } from '../config/load.js';
import { startApiServer, type ApiServer } from '../api/api-server.js';
import { createH2raceStarter } from '../api/h2race-starter.js';
import { H2raceMetrics } from '../api/metrics.js';
import { readableFiles } from './flag-rules.js';
import { numberFlags } from './number-flags.js';
import { LOG_LEVELS, stderrLogger } from './logger.js';

export interface ServerArgs {
  host?: string;
  port?: number;
  config?: string;
  seed: number;
  'runtime-metrics'?: boolean;
  'log-level': string;
}

export const serverCommand: CommandModule<object, ServerArgs> = {
  command: 'server',
  describe: 'run the Toxiproxy-compatible API (toxiproxy-server) with GET /metrics',
  builder: (y) =>
    y
      .option('host', { type: 'string', describe: 'address the API listens on (default 127.0.0.1)' })
      .options(numberFlags({
        port: { integer: true, min: 0, max: 65535, describe: 'port the API listens on (default 8474)' },
        seed: { integer: true, default: Date.now() % 2 ** 31, defaultDescription: 'time', describe: 'seed of every fault decision' },
      }))
      .option('config', { type: 'string', describe: 'YAML/JSON file: api: {host, port}, proxies: [{name, listen, upstream, toxics: [...]}]' })
      .option('runtime-metrics', { type: 'boolean', default: false, describe: "add Node's process metrics (CPU, memory, event loop lag) to /metrics" })
      .option('log-level', { choices: LOG_LEVELS, default: 'info', describe: 'pino level of the log lines on stderr' })
      .check((a) => {
        readableFiles(a, ['config']);
        return true;
      }) as never,
  handler: async (args) => {
    const api = await startServer(args, stderrLogger('h2race-server', args['log-level']));
    const stopped = untilSignal();
    process.stdout.write(`Toxiproxy API on ${api.url} (seed ${args.seed})\n`);
    await stopped;
    await api.close();
  },
};

/** The server as the command starts it: flags over the config file's `api:`, its `proxies:` created. */
export async function startServer(args: Omit<ServerArgs, 'log-level'>, logger: Logger): Promise<ApiServer> {
  const config = args.config === undefined ? undefined : await loadConfigFile(args.config);
  // h2race-kind proxies share the file's proxy settings (certificate, HTTP/2, upstream) and pool
  // settings; each one's listen address, origin and pool mode come from the API.
  const { listen: _listen, origin: _origin, h2cListen: _h2c, ...proxy } = config?.proxy ?? {};
  const { mode: _mode, ...pool } = config?.pool ?? {};
  return startApiServer({
    host: args.host ?? config?.api?.host ?? '127.0.0.1',
    port: args.port ?? config?.api?.port ?? 8474,
    logger,
    seed: args.seed,
    metrics: new H2raceMetrics({ runtime: args['runtime-metrics'] }),
    proxies: config?.proxies ?? [],
    startH2race: createH2raceStarter({ ...proxy, pool }),
  });
}
