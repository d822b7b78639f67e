/**
 * startH2race(): the whole h2race proxy, composed from its parts. This file is the only place
 * that knows all of them; everything else depends on one neighbour.
 *
 *   client ─TLS/h2c─▶ EnginePath (h2race's engine: frames born in pool buffers, frame toxics,
 *                     downstream link) ─▶ forwarder ─▶ upstream pool
 *                                                 ─▶ LinkedSocket (upstream link) ─▶ origin
 *
 * Lifecycle: the RunningH2race owns the pool, the toxic set's fault plan (a schedule runner)
 * and the proxy. close() ends them in that order's reverse: the schedule stops changing
 * toxics, the proxy drains (its connections end, every frame's lease with them), then the pool
 * is checked by its owner's tests through stats().inUse.
 */
import type { Logger } from 'pino';
import type { Direction } from '../faults/link/types.js';
import { poolSchema, type PoolConfig } from '../config/pool-schema.js';
import { validate } from '../config/load.js';
import type { EnginePath } from './frame-path/engine-path.js';
import { createEnginePathWrapper } from './frame-path/wrapper.js';
import { LinkedSocket } from '../faults/link/linked-socket.js';
import { ToxicSet, linkToxicsOf } from '../faults/link/toxic-set.js';
import { createBufferPool } from '../faults/pool/create-pool.js';
import type { BufferPool, PoolMode } from '../faults/pool/types.js';
import { planFaults, startFaultPlan, type FaultSettings } from '../faults/profiles/plan.js';
import type { ScheduleRunner } from '../faults/profiles/schedule-runner.js';
import { SeededRandom } from '../faults/random.js';
import type * as net from 'node:net';
import type { ConnectionInfo, DownstreamWrapper, UpstreamWrapper } from './connection-wrapper.js';
import { silentLogger } from './log.js';
import { startProxy, type RunningProxy, type StartProxyOptions } from './start.js';

/** The seed a run uses when none is given, so that two runs without --seed still agree. */
const DEFAULT_SEED = 1;

export interface H2raceOptions extends Omit<StartProxyOptions, 'downstreamWrapper' | 'upstreamWrapper'> {
  /** Pool mode and engine-path settings (config `pool:`); mode defaults to `retain`. */
  pool?: Partial<PoolConfig>;
  /** Profile, single faults and seed (config `faults:` / the CLI's fault flags). */
  faults?: FaultSettings;
  /**
   * A live toxic set to follow instead of one made from `faults` (the Toxiproxy API edits it).
   * With it, `faults` still seeds the set when given.
   */
  toxics?: ToxicSet;
  /**
   * Serve the clients through the engine path (default): the pool, the frame toxics, the
   * downstream link. `false` runs the engine on the socket with no pool faults and no downstream
   * faults: the benchmark's cost-split baseline.
   */
  framePath?: boolean;
  /**
   * When upstream connections get a link: `always`, or only when the toxic set holds upstream
   * link toxics as the connection opens (default; the wrapper costs throughput, and a faultless
   * run should not pay it). Toxics added later reach upstream connections opened later.
   */
  upstreamLink?: 'always' | 'when-faulted';
  logger?: Logger;
}

export interface RunningH2race {
  readonly proxy: RunningProxy;
  readonly pool: BufferPool;
  readonly poolMode: PoolMode;
  readonly toxics: ToxicSet;
  readonly seed: number;
  /** Downstream HTTP/2 connections alive now, each with its engine path (empty with framePath: false). */
  readonly connections: ReadonlyMap<number, EnginePath>;
  /** Bytes the links hold right now, per direction (the queue-depth metric). */
  queuedBytes(): Record<Direction, number>;
  /** The deepest any client connection's downstream queue has been since the proxy started, bytes. */
  peakQueueBytes(): number;
  /**
   * Replace the fault plan (a config reload): the new plan is made first, so a bad one throws
   * and the running faults stay; then the old schedule stops and the new toxics reach every open
   * connection. The seed is the one the proxy started with.
   */
  reconfigureFaults(faults: FaultSettings): void;
  close(): Promise<void>;
}

export async function startH2race(options: H2raceOptions): Promise<RunningH2race> {
  const {
    pool: poolInput,
    faults = {},
    toxics: liveToxics,
    framePath = true,
    upstreamLink = 'when-faulted',
    logger = silentLogger(),
    ...proxyOptions
  } = options;
  const poolConfig = validate(poolSchema, poolInput ?? {}, 'pool');
  const seed = faults.seed ?? DEFAULT_SEED;
  const random = new SeededRandom(seed, 'h2race');
  const pool = createBufferPool(poolConfig.mode, {
    sizeClasses: poolConfig.sizeClasses,
    maxFreePerClass: poolConfig.maxFreePerClass,
  });

  const toxics = liveToxics ?? new ToxicSet();
  const plan = planFaults(faults);
  let schedule: ScheduleRunner | undefined;
  if (!liveToxics || plan.toxics.length > 0 || plan.schedule) schedule = startFaultPlan(plan, toxics, logger);

  const connections = new Map<number, EnginePath>();
  /** The deepest queue of the connections that closed already. */
  let closedPeakQueue = 0;
  const upstreamSockets = new Set<LinkedSocket>();
  // WebSocket tunnels of the HTTP/1.1 front: the downstream link's toxics, and no frame path.
  const tunnelSockets = new Set<LinkedSocket>();
  const tunnelRandom = random.fork('tunnels');
  const downstreamWrapper: DownstreamWrapper | undefined = framePath
    ? {
      ...createEnginePathWrapper({
        pool,
        toxics,
        seed,
        logger,
        backpressureBytes: poolConfig.backpressureBytes,
        linger: proxyOptions.downstream?.linger,
        onConnection(path: EnginePath, info: ConnectionInfo) {
          connections.set(info.id, path);
          path.events.once('close', () => {
            connections.delete(info.id);
            closedPeakQueue = Math.max(closedPeakQueue, path.peakQueueBytes);
          });
        },
      }),
      wrapTunnel(socket: net.Socket, info: ConnectionInfo) {
        const linked = new LinkedSocket({ socket, direction: 'downstream', random: tunnelRandom.fork(`conn-${info.id}`), toxics });
        tunnelSockets.add(linked);
        linked.once('close', () => tunnelSockets.delete(linked));
        return linked;
      },
    }
    : undefined;
  const upstreamRandom = random.fork('upstream');
  const linksNext = () => upstreamLink === 'always' || linkToxicsOf(toxics.list(), 'upstream').length > 0;
  const upstreamWrapper: UpstreamWrapper = {
    linksNext,
    wrap(socket, info) {
      if (!linksNext()) return socket;
      const linked = new LinkedSocket({
        socket,
        direction: 'upstream',
        random: upstreamRandom.fork(`conn-${info.id}`),
        toxics,
      });
      upstreamSockets.add(linked);
      linked.once('close', () => upstreamSockets.delete(linked));
      return linked;
    },
  };

  let proxy: RunningProxy;
  try {
    proxy = await startProxy({ ...proxyOptions, logger, downstreamWrapper, upstreamWrapper });
  } catch (err) {
    schedule?.stop();
    throw err;
  }
  logger.info({ url: proxy.url, pool: pool.mode, seed, toxics: toxics.list().map((t) => t.name) }, 'h2race listening');

  let closing: Promise<void> | undefined;
  return {
    proxy,
    pool,
    poolMode: pool.mode,
    toxics,
    seed,
    connections,
    queuedBytes() {
      let downstream = 0;
      for (const path of connections.values()) downstream += path.pendingBytes;
      for (const s of tunnelSockets) downstream += s.link.queuedBytes;
      let upstream = 0;
      for (const s of upstreamSockets) upstream += s.link.queuedBytes;
      return { upstream, downstream };
    },
    peakQueueBytes() {
      let peak = closedPeakQueue;
      for (const path of connections.values()) peak = Math.max(peak, path.peakQueueBytes);
      return peak;
    },
    reconfigureFaults(next: FaultSettings) {
      const nextPlan = planFaults(next);
      // A reload that lands while closing must not start a schedule that nobody stops.
      if (closing) return;
      schedule?.stop();
      schedule = startFaultPlan(nextPlan, toxics, logger);
    },
    close() {
      closing ??= (async () => {
        schedule?.stop();
        await proxy.close();
      })();
      return closing;
    },
  };
}
