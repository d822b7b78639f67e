/**
 * Plugs the engine path into the proxy (through proxy/connection-wrapper.ts, the contract proxy/ takes):
 * every downstream HTTP/2 connection is served by h2race's engine on an EnginePath sharing the
 * proxy's pool and toxics.
 */
import type * as net from 'node:net';
import type { Logger } from 'pino';
import type { ConnectionInfo, DownstreamWrapper } from '../connection-wrapper.js';
import type { ToxicSpec } from '../../faults/link/types.js';
import type { ToxicSet } from '../../faults/link/toxic-set.js';
import type { BufferPool } from '../../faults/pool/types.js';
import { SeededRandom } from '../../faults/random.js';
import type { Connection } from '../../h2/proto/connection.js';
import type { ConnectionOptions, ServerHandler } from '../../h2/proto/connection-options.js';
import { EnginePath, type EnginePathOptions } from './engine-path.js';

export interface EnginePathWrapperOptions {
  /** Shared by all of the proxy's connections, as Jetty's connector shares its pool. */
  pool: BufferPool;
  toxics: ToxicSet | readonly ToxicSpec[];
  seed: number;
  logger: Logger;
  /** See EnginePathOptions.backpressureBytes. */
  backpressureBytes: number;
  /** Overrides of the lingering close after the last frame (h2/proto/lingering-close.ts). */
  linger?: EnginePathOptions['linger'];
  /** Sees each EnginePath as it is created (events, pending bytes); for reports and tests. */
  onConnection?: (path: EnginePath, info: ConnectionInfo) => void;
}

export function createEnginePathWrapper(opts: EnginePathWrapperOptions): Required<Pick<DownstreamWrapper, 'serveEngine'>> {
  // 'frame-path': the name this stream has always had, so a seed keeps drawing the same faults.
  const random = new SeededRandom(opts.seed, 'frame-path');
  return {
    serveEngine(socket: net.Socket, info: ConnectionInfo, handler: ServerHandler, options: ConnectionOptions): Connection {
      const path = new EnginePath(socket, {
        id: info.id,
        pool: opts.pool,
        toxics: opts.toxics,
        backpressureBytes: opts.backpressureBytes,
        linger: opts.linger,
        logger: opts.logger,
        // Forked per connection id: a connection's decisions do not depend on other connections.
        rng: random.fork(`conn-${info.id}`),
      }, handler, options);
      info.delivery = path.delivery;
      opts.onConnection?.(path, info);
      return path.connection;
    },
  };
}
