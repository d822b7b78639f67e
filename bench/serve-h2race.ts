/**
 * Bench child: h2race (startH2race, faults off) in its own process, one pool mode per process.
 * With `framePath: false` it is h2race's forwarding core alone, which splits h2race's cost into
 * "forwarding" and "frame path + pool".
 */
import { startH2race } from '../proxy/h2race.js';
import { childConfig, serveRole } from './child-side.js';
import type { H2raceChildConfig } from './configs.js';

serveRole(async () => {
  const config = childConfig<H2raceChildConfig>();
  const h2race = await startH2race({
    listen: '127.0.0.1:0',
    origin: `h2c://127.0.0.1:${config.upstreamPort}`,
    cert: config.certFile,
    key: config.keyFile,
    pool: { mode: config.pool },
    framePath: config.framePath,
  });
  return {
    ports: { https: h2race.proxy.address.port },
    poolCounters: config.framePath ? () => numericCounters(h2race.pool.stats()) : undefined,
    close: () => h2race.close(),
  };
});

/** The pool's counters (its `mode` is not a number). */
function numericCounters(stats: object): Record<string, number> {
  return Object.fromEntries(Object.entries(stats).filter((e): e is [string, number] => typeof e[1] === 'number'));
}
