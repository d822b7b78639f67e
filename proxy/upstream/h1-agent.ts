/**
 * HTTP/1.1 keep-alive connections to one origin (http://, or https:// that does not offer h2).
 * An http.Agent whose connections come from connectFor(), so the upstream wrapper (a link)
 * shapes them like the HTTP/2 ones. A connection carries one request at a time; one whose request
 * was cancelled is destroyed by the forwarder, never handed back to the pool.
 */
import * as http from 'node:http';
import type { Duplex } from 'node:stream';
import { socketLike } from '../socket-like.js';
import { connectFor, originEndpoint, type UpstreamConnectionOptions } from './connect.js';

export interface H1AgentOptions extends UpstreamConnectionOptions {
  maxSockets: number;
}

const upstreamIds = new WeakMap<object, number>();

/** The upstream connection id of a socket this agent made. */
export function upstreamIdOf(socket: object | null | undefined): number | undefined {
  return socket ? upstreamIds.get(socket) : undefined;
}

export class H1Agent extends http.Agent {
  /** The host and port requests through this agent name (its connections come from connectFor). */
  readonly endpoint: { host: string; port: number };

  constructor(private readonly opts: H1AgentOptions) {
    super({ keepAlive: true, maxSockets: opts.maxSockets, maxFreeSockets: opts.maxSockets, timeout: opts.idleTimeoutMs, scheduling: 'lifo' });
    this.endpoint = originEndpoint(opts.origin);
  }

  override createConnection(_options: http.ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): undefined {
    const { opts } = this;
    connectFor(opts, ['http/1.1']).then(
      (t) => {
        const stream = t.stream === t.socket || opts.tls ? t.stream : socketLike(t.stream, t.socket);
        upstreamIds.set(stream, t.id);
        const record = { id: t.id, origin: opts.origin.origin, protocol: 'http/1.1' } as const;
        opts.events.emit('upstream-session-open', record);
        let lastError: Error | undefined;
        stream.on('error', (err) => {
          lastError = err;
        });
        stream.once('close', () => {
          t.socket.destroy();
          opts.events.emit('upstream-session-close', { ...record, error: lastError?.message });
        });
        callback!(null, stream);
      },
      (err: Error) => callback!(err, undefined as unknown as Duplex),
    );
    return undefined;
  }
}
