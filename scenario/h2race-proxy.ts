/**
 * The StartProxyForMode compare uses by default: a real h2race (proxy/h2race.ts) on an ephemeral
 * port, with the given pool mode and network profile (none: no faults), in front of the origin.
 */
import type { Logger } from 'pino';
import { startH2race } from '../proxy/h2race.js';
import type { ProxyConfigInput } from '../config/proxy-schema.js';
import type { PoolMode } from '../faults/pool/types.js';
import type { StartProxyForMode } from './compare.js';

export interface H2raceForModeOptions {
  seed: number;
  logger?: Logger;
  certPath?: string;
  keyPath?: string;
  /** How the proxies reach an https:// origin (certificate check, CA), as `h2race proxy` does. */
  upstream?: Pick<NonNullable<ProxyConfigInput['upstream']>, 'rejectUnauthorized' | 'ca'>;
  /** What serves the proxies' HTTP/2 clients (`proxy.downstream.engine`; default node). */
  engine?: 'node' | 'h2race';
}

export function h2raceForMode(opts: H2raceForModeOptions): StartProxyForMode {
  return async (mode, profile, originUrl) => {
    const running = await startH2race({
      listen: '127.0.0.1:0',
      origin: originUrl,
      cert: opts.certPath,
      key: opts.keyPath,
      shutdownTimeoutMs: 500,
      upstream: opts.upstream,
      downstream: opts.engine === undefined ? undefined : { engine: opts.engine },
      pool: { mode: mode as PoolMode },
      faults: { profile, seed: opts.seed },
      logger: opts.logger,
    });
    return {
      url: running.proxy.url,
      poolRaces: () => running.pool.stats().racesReusedWhilePending,
      close: () => running.close(),
    };
  };
}
