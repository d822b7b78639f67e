/**
 * The H2raceStarter the API uses for proxies of kind 'h2race': the real HTTP/2 proxy
 * (proxy/h2race.ts) listening where the API says, fronting the API's `upstream` as its origin,
 * shaped by the API's live ToxicSet, its failures worded as the API words them.
 */
import { ConfigError } from '../config/load.js';
import { ListenError } from '../proxy/front.js';
import { startH2race, type H2raceOptions } from '../proxy/h2race.js';
import { ApiError, ErrBadRequestBody } from './api-error.js';
import type { H2raceStarter } from './h2race-proxy.js';
import { formatAddress, goListenError } from './listen-address.js';

/** Proxy settings every h2race proxy of the API shares (certificate, state dir, HTTP/2 settings...). */
export type H2raceBase = Omit<H2raceOptions, 'listen' | 'origin' | 'pool' | 'toxics' | 'faults' | 'events' | 'logger'> & {
  pool?: Omit<NonNullable<H2raceOptions['pool']>, 'mode'>;
};

export function createH2raceStarter(base: H2raceBase = {}): H2raceStarter {
  return async (o) => {
    let running;
    try {
      running = await startH2race({
        ...base,
        listen: o.listen,
        origin: o.upstream,
        pool: { ...base.pool, ...(o.pool === undefined ? {} : { mode: o.pool }) },
        ...(o.bugModels === undefined ? {} : { bugModels: [...o.bugModels] }),
        toxics: o.toxics,
        // Toxics added through the API later must reach upstream connections too.
        upstreamLink: 'always',
        faults: { seed: o.random.int(0, 2 ** 31 - 1) },
        events: o.events,
        logger: o.logger,
      });
    } catch (err) {
      if (err instanceof ConfigError) throw ApiError.join(ErrBadRequestBody, err.message);
      if (err instanceof ListenError) throw goListenError(err.cause as NodeJS.ErrnoException, o.listen);
      throw err;
    }
    const { proxy, pool } = running;
    return {
      address: formatAddress(proxy.address),
      url: proxy.url,
      poolMode: running.poolMode,
      poolStats: () => pool.stats(),
      queuedBytes: () => running.queuedBytes(),
      close: () => running.close(),
    };
  };
}

