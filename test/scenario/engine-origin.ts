/**
 * A test origin on h2race's own engine (server role, h2c), serving what a scenario requests —
 * /video (ranged, the demo content), /events (SSE), /small, /echo?rate= (uploads read at a slow
 * consumer's pace and echoed), /headers (the request's fields as JSON) — with the engine options
 * the test gives: a bug model switched on makes it a deliberately buggy origin of that class.
 *
 * The slow consumer credits request bytes back (consumed) only as it reads them, every TICK_MS:
 * what the client sent beyond that is held in the engine, as a real server holds it.
 *
 * The origin speaks second: its preface (SETTINGS) leaves once the client's first bytes arrived,
 * so a client's first flush — its preface and every request it queued before connecting — is
 * always sent before it can know SETTINGS_MAX_CONCURRENT_STREAMS: a burst beyond the limit is
 * refused whatever the timing of the sockets between (a server may send its preface that late).
 *
 * Lifecycle: close() stops listening and destroys every connection; each stream's timers end
 * with the stream (onReset / its end) or with close().
 */
import type { ConnectionOptions, ServerHandler } from '../../h2/proto/connection-options.js';
import type { ServerStream, StreamHandler } from '../../h2/proto/stream.js';
import type { RequestHead } from '../../h2/proto/header-validation.js';
import { DEFAULT_VIDEO_SIZE, smallBody, sseEventData, videoBytes } from '../../origin/content.js';
import { startEngineServer, type EngineServer } from '../h2/engine-server.js';
import { HoldingTransport } from '../h2/holding-transport.js';
import type * as net from 'node:net';
import type { Transport } from '../../h2/proto/transport.js';

const TICK_MS = 100;
/** Bytes per second of /video. */
const VIDEO_RATE = 64 * 1024;
const SMALL_SIZE = 1024;
const HEADERS_WORK_MS = 300;

export interface EngineOrigin {
  /** h2c://127.0.0.1:port */
  url: string;
  close(): Promise<void>;
}

export async function startEngineOrigin(options: ConnectionOptions): Promise<EngineOrigin> {
  const timers = new Set<NodeJS.Timeout>();
  const every = (ms: number, fn: () => void): (() => void) => {
    const t = setInterval(fn, ms);
    timers.add(t);
    return () => {
      clearInterval(t);
      timers.delete(t);
    };
  };
  const handler: ServerHandler = {
    onStream(stream, head) {
      const url = new URL(head.path, 'http://origin.invalid');
      switch (url.pathname) {
        case '/video':
          return video(stream, head, every);
        case '/events':
          return events(stream, every);
        case '/small':
          stream.respond(200, ['content-length', String(SMALL_SIZE)]);
          stream.write(smallBody(SMALL_SIZE));
          stream.end();
          return {};
        case '/echo':
          return slowEcho(stream, Number(url.searchParams.get('rate') ?? 1 << 30), every);
        case '/headers': {
          const fields: Record<string, string> = {};
          for (let i = 0; i < head.fields.length; i += 2) fields[head.fields[i]!] = head.fields[i + 1]!;
          // Answered after a while, as an application's work takes: a burst's streams are open at
          // once, however the link slices its HEADERS.
          const stop = every(HEADERS_WORK_MS, () => {
            stop();
            if (stream.closed) return;
            stream.respond(200, ['content-type', 'application/json']);
            stream.write(Buffer.from(JSON.stringify(fields)));
            stream.end();
          });
          return { onReset: stop };
        }
        default:
          stream.respond(404, [], true);
          return {};
      }
    },
  };
  const server: EngineServer = await startEngineServer(handler, { tls: false, options, transport: speakingSecond });
  return {
    url: `h2c://127.0.0.1:${server.port}`,
    async close() {
      for (const t of timers) clearInterval(t);
      timers.clear();
      await server.close();
    },
  };
}

/** The socket's transport, holding what the engine writes until the client's first bytes came in. */
function speakingSecond(socket: net.Socket): Transport {
  const inner = new HoldingTransport(socket);
  inner.holding = true;
  return {
    start: (sink) =>
      inner.start({
        onData: (chunk) => {
          sink.onData(chunk);
          if (inner.holding) inner.release();
        },
        onEnd: () => sink.onEnd(),
        onClose: (err) => sink.onClose(err),
      }),
    write: (bytes, done) => inner.write(bytes, done),
    cork: () => inner.cork(),
    uncork: () => inner.uncork(),
    end: () => inner.end(),
    destroy: (err) => inner.destroy(err),
  };
}

/**
 * `bytes=N-` from N, else the whole video, paced at VIDEO_RATE: a shaped link's queue stays
 * short, so what the tests look for (a head, a PING answer) is not stuck behind seconds of video.
 */
function video(stream: ServerStream, head: RequestHead, every: (ms: number, fn: () => void) => () => void): StreamHandler {
  const range = /^bytes=(\d+)-$/.exec(fieldOf(head, 'range') ?? '');
  let at = range ? Math.min(Number(range[1]), DEFAULT_VIDEO_SIZE) : 0;
  const fields = ['content-type', 'application/octet-stream', 'content-length', String(DEFAULT_VIDEO_SIZE - at)];
  if (range) fields.push('content-range', `bytes ${at}-${DEFAULT_VIDEO_SIZE - 1}/${DEFAULT_VIDEO_SIZE}`);
  stream.respond(range ? 206 : 200, fields);
  const stop = every(TICK_MS, () => {
    if (stream.closed) return stop();
    const n = Math.min(Math.floor((VIDEO_RATE * TICK_MS) / 1000), DEFAULT_VIDEO_SIZE - at);
    stream.write(videoBytes(at, n));
    at += n;
    if (at >= DEFAULT_VIDEO_SIZE) {
      stop();
      stream.end();
    }
  });
  return { onReset: stop };
}

function events(stream: ServerStream, every: (ms: number, fn: () => void) => () => void): StreamHandler {
  stream.respond(200, ['content-type', 'text/event-stream']);
  stream.write(Buffer.from('retry: 250\n\n'));
  let id = 0;
  const stop = every(TICK_MS, () => {
    if (stream.closed) return stop();
    id += 1;
    stream.write(Buffer.from(`id: ${id}\ndata: ${sseEventData(id)}\n\n`));
  });
  return { onReset: stop };
}

/** Echoes the body at `rate` bytes per second, crediting each byte back only when it is echoed. */
function slowEcho(stream: ServerStream, rate: number, every: (ms: number, fn: () => void) => () => void): StreamHandler {
  stream.respond(200, ['content-type', 'application/octet-stream']);
  const held: Buffer[] = [];
  let ended = false;
  const perTick = Math.max(1, Math.floor((rate * TICK_MS) / 1000));
  const stop = every(TICK_MS, () => {
    let budget = perTick;
    while (budget > 0 && held.length > 0) {
      const chunk = held[0]!;
      const piece = chunk.subarray(0, budget);
      if (piece.length === chunk.length) held.shift();
      else held[0] = chunk.subarray(piece.length);
      budget -= piece.length;
      stream.write(piece);
      stream.consumed(piece.length);
    }
    if (ended && held.length === 0) {
      stop();
      stream.end();
    }
  });
  return {
    onData: (chunk) => held.push(Buffer.from(chunk)),
    onEnd: () => (ended = true),
    onReset: () => {
      stop();
      held.length = 0;
    },
  };
}

function fieldOf(head: RequestHead, name: string): string | undefined {
  const i = head.fields.indexOf(name);
  return i >= 0 && i % 2 === 0 ? head.fields[i + 1] : undefined;
}
