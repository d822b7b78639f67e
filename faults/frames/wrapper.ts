/**
 * Plugs the frame path into the proxy (proxy/connection-wrapper.ts): every downstream HTTP/2
 * connection runs over a FramePath (node:http2 front) or an EnginePath (the engine front) sharing
 * the proxy's pool and toxics.
 */
import type * as http2 from 'node:http2';
import type * as net from 'node:net';
import type * as stream from 'node:stream';
import type { Logger } from 'pino';
import type { ConnectionInfo, DownstreamWrapper } from '../../proxy/connection-wrapper.js';
import type { ToxicSpec } from '../link/types.js';
import type { ToxicSet } from '../link/toxic-set.js';
import type { BufferPool } from '../pool/types.js';
import { SeededRandom } from '../random.js';
import type { Connection } from '../../h2/proto/connection.js';
import type { ConnectionOptions, ServerHandler } from '../../h2/proto/connection-options.js';
import { EnginePath } from './engine-path.js';
import { FramePath, type FramePathOptions } from './frame-path.js';

/** A client connection's faulted path, whichever front serves it. */
export type DownstreamPath = FramePath | EnginePath;

export interface FramePathWrapperOptions {
  /** Shared by all of the proxy's connections, as Jetty's connector shares its pool. */
  pool: BufferPool;
  toxics: ToxicSet | readonly ToxicSpec[];
  seed: number;
  logger: Logger;
  /** See FramePathOptions.backpressureBytes. */
  backpressureBytes: number;
  /** Overrides of the per-connection flood caps (h2/proto/flood-guard.ts). */
  floodLimits?: FramePathOptions['floodLimits'];
  /** Overrides of the lingering close after the last frame (h2/proto/lingering-close.ts). */
  linger?: FramePathOptions['linger'];
  /** Sees each FramePath as it is created (events, pending bytes); for reports and tests. */
  onConnection?: (path: DownstreamPath, info: ConnectionInfo) => void;
}

export function createFramePathWrapper(opts: FramePathWrapperOptions): DownstreamWrapper {
  const random = new SeededRandom(opts.seed, 'frame-path');
  return {
    wrap(socket: net.Socket, info: ConnectionInfo): stream.Duplex {
      const path = new FramePath(socket, {
        id: info.id,
        pool: opts.pool,
        toxics: opts.toxics,
        backpressureBytes: opts.backpressureBytes,
        floodLimits: opts.floodLimits,
        linger: opts.linger,
        logger: opts.logger,
        // Forked per connection id: a connection's decisions do not depend on other connections.
        rng: random.fork(`conn-${info.id}`),
      });
      info.delivery = path.delivery;
      opts.onConnection?.(path, info);
      return path;
    },
    sessionCreated(duplex: stream.Duplex, session: http2.ServerHttp2Session): void {
      if (duplex instanceof FramePath) duplex.attachSession(session);
    },
    serveEngine(socket: net.Socket, info: ConnectionInfo, handler: ServerHandler, options: ConnectionOptions): Connection {
      const path = new EnginePath(socket, {
        id: info.id,
        pool: opts.pool,
        toxics: opts.toxics,
        backpressureBytes: opts.backpressureBytes,
        linger: opts.linger,
        logger: opts.logger,
        rng: random.fork(`conn-${info.id}`),
      }, handler, options);
      info.delivery = path.delivery;
      opts.onConnection?.(path, info);
      return path.connection;
    },
  };
}
