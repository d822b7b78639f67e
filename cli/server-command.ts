/**
 * `h2race server`: the Toxiproxy-compatible admin API, as `toxiproxy-server` runs it, plus
 * GET /metrics. Proxies (and their toxics) can come from the config file's `proxies:` list;
 * `--host`/`--port` override the file's `api:` section. Runs until SIGINT/SIGTERM.
 */
import type { Logger } from 'pino';
import { untilSignal } from './signals.js';
import type { CommandModule } from 'yargs';
import { loadConfigFile } from '../config/load.js';
import { startApiServer, type ApiServer } from '../faults/toxiproxy/api-server.js';
import { createH2raceStarter } from '../faults/toxiproxy/h2race-starter.js';
import { H2raceMetrics } from '../faults/toxiproxy/metrics.js';
import { createLogger } from '../proxy/log.js';

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
      .option('port', { type: 'number', describe: 'port the API listens on (default 8474)' })
      .option('config', { type: 'string', describe: 'YAML/JSON file: api: {host, port}, proxies: [{name, listen, upstream, toxics: [...]}]' })
      .option('seed', { type: 'number', default: Date.now() % 2 ** 31, defaultDescription: 'time', describe: 'seed of every fault decision' })
      .option('runtime-metrics', { type: 'boolean', default: false, describe: "add Node's process metrics (CPU, memory, event loop lag) to /metrics" })
      .option('log-level', { type: 'string', default: 'info', describe: 'pino level' }),
  handler: async (args) => {
    const api = await startServer(args, createLogger({ level: args['log-level'], name: 'h2race-server' }));
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
