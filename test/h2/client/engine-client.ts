/**
 * The engine's client role for tests: connect over TLS (ALPN h2) or h2c, and exchange one request
 * for a recorded response (head, 1xx heads, body, trailers, and how the stream ended).
 *
 * Lifecycle: `connectClient` returns the connection and its socket; tests destroy the socket in
 * their afterEach. An Exchange settles `done` once, when its stream ends or is reset.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { connectSocket } from '../../../h2/client.js';
import type { ClientConnection, ClientConnectionOptions, ClientStream } from '../../../h2/proto/client-connection.js';
import type { ResetCause } from '../../../h2/proto/stream.js';
import { waitFor } from '../../helpers/wait.js';

export interface ConnectedClient {
  connection: ClientConnection;
  socket: net.Socket;
}

export function connectClient(port: number, useTls: boolean, options?: ClientConnectionOptions): ConnectedClient {
  const socket = useTls
    ? tls.connect({ host: '127.0.0.1', port, ALPNProtocols: ['h2'], rejectUnauthorized: false })
    : net.connect({ host: '127.0.0.1', port });
  const connection = connectSocket(socket, options);
  if (!connection) throw new Error('socket destroyed before the client connection started');
  return { connection, socket };
}

/** The value of `name` in a flat field list (response fields, trailers). */
export function fieldOf(list: readonly string[] | undefined, name: string): string | undefined {
  for (let i = 0; list && i < list.length; i += 2) if (list[i] === name) return list[i + 1];
  return undefined;
}

export type Outcome = { kind: 'end' } | { kind: 'reset'; code: number; cause: ResetCause };

export interface ExchangeOptions {
  method?: string;
  fields?: readonly string[];
  /** Written in 64 KiB chunks, waiting for onDrain when write() says so. */
  body?: Buffer;
  trailers?: readonly string[];
  /** Give response bytes back as they arrive (default true); false: the test calls stream.consumed. */
  autoConsume?: boolean;
  /** The body waits for a 100 (Continue) head. */
  waitForContinue?: boolean;
}

export interface Exchange {
  stream: ClientStream;
  informational: Array<{ status: number; fields: string[] }>;
  status: number;
  fields: string[];
  chunks: Buffer[];
  received: number;
  trailers: string[] | undefined;
  done: Promise<Outcome>;
  body(): Buffer;
  field(name: string): string | undefined;
}

const CHUNK = 64 * 1024;

export function exchange(connection: ClientConnection, path: string, opts: ExchangeOptions = {}): Exchange {
  const method = opts.method ?? (opts.body ? 'POST' : 'GET');
  const hasBody = opts.body !== undefined || opts.trailers !== undefined;
  let settle!: (o: Outcome) => void;
  const done = new Promise<Outcome>((resolve) => (settle = resolve));
  let offset = 0;
  let sending = !opts.waitForContinue;
  const pump = (): void => {
    const body = opts.body ?? Buffer.alloc(0);
    while (sending && offset < body.length) {
      const chunk = body.subarray(offset, offset + CHUNK);
      offset += chunk.length;
      if (!ex.stream.write(chunk)) return;
    }
    if (sending && offset === body.length) {
      sending = false;
      ex.stream.end(opts.trailers);
    }
  };
  const ex: Exchange = {
    stream: undefined as unknown as ClientStream,
    informational: [],
    status: 0,
    fields: [],
    chunks: [],
    received: 0,
    trailers: undefined,
    done,
    body: () => Buffer.concat(ex.chunks),
    field: (name) => fieldOf(ex.fields, name),
  };
  ex.stream = connection.request(
    { method, scheme: 'https', authority: 'localhost', path, fields: opts.fields },
    {
      onInformational(status, fields) {
        ex.informational.push({ status, fields });
        if (status === 100 && opts.waitForContinue) {
          sending = true;
          pump();
        }
      },
      onResponse(status, fields) {
        ex.status = status;
        ex.fields = fields;
      },
      onData(chunk) {
        ex.chunks.push(Buffer.from(chunk));
        ex.received += chunk.length;
        if (opts.autoConsume !== false) ex.stream.consumed(chunk.length);
      },
      onTrailers(fields) {
        ex.trailers = fields;
      },
      onEnd: () => settle({ kind: 'end' }),
      onReset: (code, cause) => settle({ kind: 'reset', code, cause }),
      onDrain: pump,
    },
    { endStream: !hasBody },
  );
  if (hasBody) pump();
  return ex;
}

export interface QueuedRun {
  client: ConnectedClient;
  exchanges: Exchange[];
  outcomes: Outcome[];
  /** Requests started at once when the server's SETTINGS came. */
  firstBatch: number;
  /** The most streams the client had open at once. */
  maxActive: number;
}

/**
 * Sends every path on one new connection as a pool would: as many as `canRequest` allows once the
 * server's SETTINGS came, the rest each time `onAvailable` says a slot freed.
 */
export async function requestAllQueued(port: number, useTls: boolean, paths: readonly string[], options: ClientConnectionOptions = {}): Promise<QueuedRun> {
  const queue = [...paths];
  const exchanges: Exchange[] = [];
  let maxActive = 0;
  let settingsCame!: () => void;
  const settings = new Promise<void>((resolve) => (settingsCame = resolve));
  const startQueued = (): void => {
    while (client.connection.canRequest && queue.length > 0) {
      exchanges.push(exchange(client.connection, queue.shift()!));
      maxActive = Math.max(maxActive, client.connection.activeStreams);
    }
  };
  const client = connectClient(port, useTls, { ...options, onAvailable: startQueued, observer: { ...options.observer, onSettings: () => settingsCame() } });
  try {
    await settings;
    startQueued();
    const firstBatch = exchanges.length;
    await waitFor('every queued request to start', () => queue.length === 0);
    const outcomes = await Promise.all(exchanges.map((e) => e.done));
    return { client, exchanges, outcomes, firstBatch, maxActive };
  } catch (err) {
    client.socket.destroy();
    throw err;
  }
}
