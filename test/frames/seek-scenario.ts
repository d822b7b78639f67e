/**
 * The traffic of the Jetty report, on one connection: an SSE stream, and two range downloads of
 * which the client cancels one (a video seek) as soon as its first bytes arrive.
 * X's frames are 16 KiB DATA frames, Y's 12000-byte ones, SSE events a few bytes: when X's
 * pending buffer is reused for a Y or SSE frame, the X write sends that valid frame followed by
 * stale X bytes, whose fill byte read as a frame length is far above 16384 — a framing error at
 * the client, every time.
 *
 * Y's frames are shorter than X's whatever the server does with Y's writes: a server that
 * coalesces queued chunks (h2race's engine does, as nghttp2 does) would send Y in full 16 KiB frames,
 * and a Y frame built into X's released buffer would then fit it exactly — a silent swap, no framing
 * error, no GOAWAY. So the client cancels with shortenLaterFrames() first.
 *
 * Timing: the client cancels X on X's first bytes. X's body is handed to the session at once, so
 * its frames go into the link in one batch; behind the first one the client sees, the rest of X
 * (~500 ms at SLOW_LINK's rate) is still queued when the RST arrives, whatever the scheduling
 * noise: the queue decides.
 */
import * as http2 from 'node:http2';
import { describeRace } from '../../faults/pool/evidence.js';
import type { BufferPool, PoolMode } from '../../faults/pool/types.js';
import { ToxicSet, type ToxicInput } from '../../faults/link/toxic-set.js';
import type { EnginePath } from '../../proxy/frame-path/engine-path.js';
import { startH2race, type RunningH2race } from '../../proxy/h2race.js';
import { createProxyEvents, type GoawayRecord, type ProxyEvents } from '../../proxy/events.js';
import type { EngineStream } from '../../proxy/engine-stream.js';
import { testCert } from '../helpers/tls-cert.js';
import { connect, startFrameServer, type FrameServer } from './harness.js';

/** The seek traffic's server side: h2race's engine (the frame server), or an origin's node:http2. */
type SeekStream = http2.ServerHttp2Stream | EngineStream;

export const X_FILL = 0x78;
export const Y_FILL = 0x79;
export const X_BYTES = 512 * 1024;
export const Y_BYTES = 192 * 1024;

function pump(stream: SeekStream, total: number, chunkSize: number, fill: number): void {
  const chunk = Buffer.alloc(chunkSize, fill);
  let sent = 0;
  const next = (): void => {
    while (sent < total && !stream.destroyed) {
      const n = Math.min(chunkSize, total - sent);
      sent += n;
      if (!stream.write(n === chunkSize ? chunk : chunk.subarray(0, n))) {
        stream.once('drain', next);
        return;
      }
    }
    if (!stream.destroyed) stream.end();
  };
  next();
}

export function seekHandler(stream: SeekStream, headers: http2.IncomingHttpHeaders): void {
  stream.on('error', () => {});
  const path = headers[':path'];
  if (path === '/events') {
    stream.respond({ ':status': 200, 'content-type': 'text/event-stream' });
    let n = 0;
    const timer = setInterval(() => stream.write(`data: event ${n++}\n\n`), 10);
    stream.once('close', () => clearInterval(timer));
  } else if (path === '/range/x') {
    stream.respond({ ':status': 206 });
    // All of X at once: the session queues it in its first batch, so X's frames wait in the
    // link behind the first one the client sees.
    stream.end(Buffer.alloc(X_BYTES, X_FILL));
  } else if (path === '/range/y') {
    stream.respond({ ':status': 206 });
    pump(stream, Y_BYTES, 12_000, Y_FILL);
  } else {
    stream.respond({ ':status': 404 });
    stream.end();
  }
}

/** Below a full frame: every frame the server builds after the cancel is shorter than X's. */
export const AFTER_CANCEL_WINDOW = 12_000;

/**
 * Sent by the client just before it cancels X: SETTINGS_INITIAL_WINDOW_SIZE applies to every open
 * stream too (RFC 9113 §6.9.2), and the server processes it before the RST_STREAM behind it, so no
 * DATA frame it writes after X's release is longer than AFTER_CANCEL_WINDOW — any frame that lands
 * in a released X buffer leaves stale X bytes behind it and breaks the framing.
 */
export function shortenLaterFrames(client: http2.ClientHttp2Session): void {
  client.settings({ initialWindowSize: AFTER_CANCEL_WINDOW });
}

export interface SeekOutcome {
  xCancelled: boolean;
  /** Y's body arrived complete and byte-exact. */
  yIntact: boolean;
  yBytes: number;
  sseEvents: number;
  /** The SSE stream was still healthy when the client closed it at the end. */
  sseAlive: boolean;
  /** A GOAWAY with an error code the client sent (seen by the frame path), e.g. 6 FRAME_SIZE_ERROR. */
  clientGoawayCode?: number;
  /** The server-side connection ended before Y completed. */
  connectionDied: boolean;
  /** What the frame path still held when the outcome was taken. */
  pendingBytesAtEnd?: number;
  /** An error the client session reported, if any (node's client often just sends GOAWAY and stops reading). */
  sessionError?: string;
}

/** 1 MB/s: the frame path's 256 KiB queue takes ~260 ms to drain, far longer than a cancel's round trip. */
export const SLOW_LINK = [{ type: 'bandwidth', stream: 'downstream', attributes: { rate: 1000 } }];
export const BACKPRESSURE_BYTES = 256 * 1024;

/** Chrome-like windows, so the server runs ahead of a slow link as it does for browsers. */
const BROWSER_SETTINGS: http2.Settings = { initialWindowSize: 6 * 1024 * 1024 };

/** Where the seek runs: a frame server, or a whole h2race proxy in front of an origin. */
export interface SeekTarget {
  url: string;
  /** The frame path of the connection opened last. */
  latestPath(): EnginePath;
  /** The error codes of the GOAWAYs the client sent on connection `id`, in order. */
  clientGoaways(id: number): number[];
}

export function frameServerTarget(server: FrameServer): SeekTarget {
  return {
    url: server.url,
    latestPath: () => server.paths.at(-1)!,
    clientGoaways: (id) => server.clientGoaways.filter((g) => g.connection === id).map((g) => g.code),
  };
}

/** A whole proxy as the target: the clients' GOAWAYs as its events report them. */
export function proxySeekTarget(h2race: RunningH2race, events: ProxyEvents): SeekTarget {
  const received: GoawayRecord[] = [];
  events.on('goaway', (g) => {
    if (g.side === 'downstream' && g.received) received.push(g);
  });
  return {
    url: h2race.proxy.url,
    latestPath: () => [...h2race.connections.values()].at(-1)!,
    clientGoaways: (id) => received.filter((g) => g.id === id).map((g) => g.code),
  };
}

export interface SeekOptions {
  /** `false` leaves the cancel to the proxy (rst_inject). */
  cancelX?: boolean;
  /** Right after the client asks for X. */
  onXRequested?: () => void;
  /** In X's first-data handler, just before the client cancels X. */
  onXCancelling?: () => void;
  /**
   * Cancel X as soon as this holds (polled), instead of on X's first bytes: e.g. once the frame
   * path holds X's frames, when the link is stalled and no byte of X can arrive.
   */
  cancelXWhen?: (path: EnginePath, xStreamId: number) => boolean;
}

export async function runSeek(target: SeekTarget, opts: SeekOptions = {}): Promise<SeekOutcome> {
  const { cancelX = true } = opts;
  const client = connect(target.url, BROWSER_SETTINGS);
  const outcome: SeekOutcome = { xCancelled: false, yIntact: false, yBytes: 0, sseEvents: 0, sseAlive: false, connectionDied: false };
  client.on('error', (err) => (outcome.sessionError = err.message));
  client.once('connect', () => client.setLocalWindowSize(15 * 1024 * 1024));
  try {
    const sse = client.request({ ':path': '/events' });
    sse.on('error', () => {});
    sse.on('data', () => outcome.sseEvents++);
    await new Promise<void>((resolve, reject) => {
      sse.once('data', () => resolve());
      sse.once('close', () => reject(new Error('SSE closed before its first event')));
    });
    const path = target.latestPath();
    const pathClosed = new Promise<void>((resolve) => path.events.once('close', resolve));

    const x = client.request({ ':path': '/range/x' });
    opts.onXRequested?.();
    x.on('error', () => {});
    const cancel = (): void => {
      if (outcome.xCancelled || x.closed) return;
      opts.onXCancelling?.();
      outcome.xCancelled = true;
      shortenLaterFrames(client);
      x.close(http2.constants.NGHTTP2_CANCEL);
    };
    const { cancelXWhen } = opts;
    if (cancelXWhen) {
      const started = performance.now();
      const poll = setInterval(() => {
        if (x.id !== undefined && !cancelXWhen(path, x.id) && performance.now() - started < 5000) return;
        clearInterval(poll);
        cancel();
      }, 5);
    } else if (cancelX) {
      x.once('data', cancel);
    }
    x.resume();

    const y = client.request({ ':path': '/range/y' });
    y.on('error', () => {});
    let intact = true;
    y.on('data', (chunk: Buffer) => {
      outcome.yBytes += chunk.length;
      if (chunk.some((b) => b !== Y_FILL)) intact = false;
    });
    const yEnded = new Promise<'y'>((resolve) => {
      y.on('end', () => {
        outcome.yIntact = intact && outcome.yBytes === Y_BYTES;
        resolve('y');
      });
      y.on('close', () => resolve('y'));
    });
    // Bounded: whichever comes first, Y finishing or the connection dying under it.
    const died = pathClosed.then(() => 'died' as const);
    let first = await Promise.race([yEnded, died, delay(10_000)]);
    // A client that reads a corrupt frame closes its streams at once; its GOAWAY reaches the
    // frame path (and ends the server's session) a moment later. Take the outcome after that.
    if (first === 'y' && !outcome.yIntact) first = await Promise.race([died, delay(2_000)]);
    outcome.connectionDied = first === 'died';
    outcome.clientGoawayCode = target.clientGoaways(path.id).filter((code) => code !== 0).at(-1);
    outcome.pendingBytesAtEnd = path.pendingBytes;
    outcome.sseAlive = !sse.closed && !sse.destroyed && !outcome.connectionDied;
  } finally {
    client.destroy();
  }
  return outcome;
}

function delay(ms: number): Promise<'timeout'> {
  return new Promise((resolve) => setTimeout(() => resolve('timeout'), ms).unref());
}

export interface SeekServerOptions {
  tls: boolean;
  /** SLOW_LINK on the downstream link, or a zero-delay link. */
  slow: boolean;
  seed?: number;
  /** More toxics after the link's. */
  toxics?: readonly ToxicInput[];
  backpressureBytes?: number;
}

export function startSeekServer(pool: BufferPool, opts: SeekServerOptions): Promise<FrameServer> {
  return startFrameServer({
    tls: opts.tls,
    pool,
    seed: opts.seed ?? 1,
    toxics: [...(opts.slow ? SLOW_LINK : []), ...(opts.toxics ?? [])],
    backpressureBytes: opts.backpressureBytes ?? BACKPRESSURE_BYTES,
    handler: seekHandler,
  });
}

/**
 * Makes the race independent of the machine's speed: the slow link stalls (rate 0) with what it
 * holds, until the pool has counted a buffer reused under a pending write, then runs at
 * SLOW_LINK's rate again and delivers it all. Bounded: it resumes after 5 s regardless.
 * Needs a backpressure threshold above what the stall holds, or the session stops producing.
 */
export function stallUntilRace(toxics: ToxicSet, pool: BufferPool): void {
  const name = 'bandwidth_downstream';
  const rate = (toxics.get(name)?.attributes.rate as number | undefined) ?? 1000;
  toxics.update(name, { attributes: { rate: 0 } });
  const started = performance.now();
  const poll = setInterval(() => {
    if (pool.stats().racesReusedWhilePending === 0 && performance.now() - started < 5000) return;
    clearInterval(poll);
    toxics.update(name, { attributes: { rate } });
  }, 5);
  poll.unref();
}

/** What the stall may hold: all of X, Y and the SSE events; the session must keep producing. */
export const STALL_BACKPRESSURE_BYTES = 8 * 1024 * 1024;

/**
 * The whole proxy (TLS front with the test cert) in front of `origin` on SLOW_LINK, with room for
 * stallUntilRace to hold the race. The caller owns the result and closes it.
 */
export async function startSlowLinkH2race(origin: string, mode: PoolMode, events = createProxyEvents()): Promise<RunningH2race> {
  const { certPath, keyPath } = await testCert();
  return startH2race({
    events,
    listen: '127.0.0.1:0',
    origin,
    cert: certPath,
    key: keyPath,
    shutdownTimeoutMs: 500,
    pool: { mode, backpressureBytes: STALL_BACKPRESSURE_BYTES },
    toxics: new ToxicSet(SLOW_LINK),
  });
}

/** The pool's counters and its first races in words: the failure message of every seek test. */
export function evidence(outcome: SeekOutcome, pool: BufferPool, seen: readonly string[] = []): string {
  return [JSON.stringify(outcome), JSON.stringify(pool.stats()), ...pool.races.slice(0, 3).map(describeRace), ...seen].join('\n');
}
