/**
 * The StartProxyForMode compare uses by default: a real h2race (proxy/h2race.ts) on an ephemeral
 * port, with the given pool mode and network profile (none: no faults), in front of the origin.
 * A mode may also name a bug model (h2/proto/bug-models/catalogue.ts): the proxy then runs the
 * safe pool (retain) with that model on. The window models (the bug and its twin alike) run with
 * the protocol's initial connection window, 65,535 — nghttp2's and node's default — on both sides
 * (the front's and the upstream sessions'), so that what a cancel leaks matters within a run, as it does on such servers; h2race's own 16 MiB would
 * take minutes of uploads to drain.
 */
import type { Logger } from 'pino';
import { startH2race } from '../proxy/h2race.js';
import { createProxyEvents } from '../proxy/events.js';
import type { ProxyConfigInput } from '../config/proxy-schema.js';
import type { PoolMode, RaceRecord } from '../faults/pool/types.js';
import { BUG_MODELS, type BugModel } from '../h2/proto/bug-models/catalogue.js';
import type { H2raceOptions } from '../proxy/h2race.js';
import type { StartProxyForMode, TimedRace } from './compare.js';

/** Races kept per proxy connection: the first ones are where its damage starts. */
const RACES_PER_CONNECTION = 16;
/** Races kept in all, whatever the number of connections. */
const MAX_RACES = 4096;
/** RFC 9113 §6.9.2: the connection window before any WINDOW_UPDATE. */
const PROTOCOL_CONNECTION_WINDOW = 65_535;

/** The pool mode, bug models and windows (front and upstream) a compare mode stands for. */
function modeSettings(mode: string): Pick<H2raceOptions, 'pool' | 'bugModels' | 'downstream'> & { upstreamWindow?: { connectionWindowSize: number } } {
  if (!(BUG_MODELS as readonly string[]).includes(mode)) return { pool: { mode: mode as PoolMode } };
  const model = mode as BugModel;
  if (!model.startsWith('window-')) return { pool: { mode: 'retain' }, bugModels: [model] };
  const window = { connectionWindowSize: PROTOCOL_CONNECTION_WINDOW };
  return { pool: { mode: 'retain' }, bugModels: [model], downstream: window, upstreamWindow: window };
}

/** The pool's races as they happen, timed, the first RACES_PER_CONNECTION of each connection. */
function raceLog(): { add: (race: RaceRecord) => void; list: TimedRace[] } {
  const list: TimedRace[] = [];
  const perConnection = new Map<number, number>();
  const add = (race: RaceRecord): void => {
    const kept = perConnection.get(race.pending.connection) ?? 0;
    if (kept >= RACES_PER_CONNECTION || list.length >= MAX_RACES) return;
    perConnection.set(race.pending.connection, kept + 1);
    list.push({ at: performance.now(), ...race });
  };
  return { add, list };
}

export interface H2raceForModeOptions {
  seed: number;
  logger?: Logger;
  certPath?: string;
  keyPath?: string;
  /** How the proxies reach an https:// origin (certificate check, CA), as `h2race proxy` does. */
  upstream?: Pick<NonNullable<ProxyConfigInput['upstream']>, 'rejectUnauthorized' | 'ca'>;
}

export function h2raceForMode(opts: H2raceForModeOptions): StartProxyForMode {
  return async (mode, profile, originUrl) => {
    const { upstreamWindow, ...settings } = modeSettings(mode);
    const running = await startH2race({
      events: createProxyEvents(),
      listen: '127.0.0.1:0',
      origin: originUrl,
      cert: opts.certPath,
      key: opts.keyPath,
      shutdownTimeoutMs: 500,
      ...settings,
      upstream: { ...opts.upstream, ...upstreamWindow },
      faults: { profile, seed: opts.seed },
      logger: opts.logger,
    });
    const races = raceLog();
    running.pool.onRace = races.add;
    return {
      url: running.proxy.url,
      poolRaces: () => running.pool.stats().racesReusedWhilePending,
      races: () => races.list,
      peakQueueBytes: () => running.peakQueueBytes(),
      close: () => running.close(),
    };
  };
}
