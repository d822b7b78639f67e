/**
 * A Jetty-like HTTP/2 origin (the demo routes, TLS or h2c) for `scenario --shape` tests: its frames
 * go out of a buffer pool (pooled-flusher.ts) that in `release-on-reset` mode hands a reset
 * stream's pending write buffers to the next frames — the Jetty bug, on the wire — and in `fixed`
 * mode releases a buffer only once its write completed (its twin, as after jetty#12786).
 *
 *   client ─TCP─▶ [TLS, ALPN h2] ─▶ PooledFlusher ─▶ node:http2 session ─▶ /video (paced) | demo routes
 *
 * /video writes 32 KiB at a time and waits until those frames are in the kernel before the next,
 * as Jetty's blocking output does, so the server's own queue holds one write per response. On a
 * LAN the kernel takes every write at once and a cancel finds nothing pending.
 *
 * Lifecycle: close() ends the listener and every connection (raw socket, TLS socket, flusher, session).
 */
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { generateSelfSigned, type CertPair } from '../../origin/cert.js';
import { videoBytes } from '../../origin/content.js';
import { createDemoHandler } from '../../origin/handler.js';
import { FramePool, PooledFlusher, type FlusherCounts, type PoolMode } from './pooled-flusher.js';

export type { PoolMode } from './pooled-flusher.js';

const VIDEO_SIZE = 64 * 1024 * 1024;
/** Jetty's default output aggregation size. */
const WRITE_BYTES = 32 * 1024;

export interface JettyLikeOrigin extends FlusherCounts {
  /** https://127.0.0.1:port or h2c://127.0.0.1:port */
  url: string;
  cert: CertPair;
  /** Counts move only while armed (the end of a run cancels everything). */
  armed: boolean;
  /** The SNI name of each TLS connection (false or null: none sent). */
  servernames: (string | false | null)[];
  close(): Promise<void>;
}

export interface JettyLikeOptions {
  transport?: 'tls' | 'h2c';
  pool?: PoolMode;
}

export async function startJettyLikeOrigin({ transport = 'tls', pool: mode = 'release-on-reset' }: JettyLikeOptions = {}): Promise<JettyLikeOrigin> {
  const cert = await generateSelfSigned();
  const demo = createDemoHandler({ videoSize: VIDEO_SIZE });
  const raws = new Set<net.Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  const flusherOfSession = new WeakMap<http2.Http2Session, PooledFlusher>();
  const flusherOf = new WeakMap<http2.ServerHttp2Stream, PooledFlusher>();
  let accepting: PooledFlusher | undefined;
  // What the origin did; the pool and every connection's flusher count into it.
  const state = { pendingCancels: 0, flushedCancels: 0, reusedPending: 0, armed: true, servernames: [] as JettyLikeOrigin['servernames'] };
  const armed = (): boolean => state.armed;
  const pool = new FramePool(state, armed);

  const h2 = http2.createServer();
  h2.on('session', (session) => {
    flusherOfSession.set(session, accepting!);
    sessions.add(session);
    session.on('error', () => {});
    session.once('close', () => sessions.delete(session));
  });
  // Before the 'request' listener (node emits 'request' from a 'stream' listener it adds then).
  h2.on('stream', (stream) => {
    const flusher = stream.session && flusherOfSession.get(stream.session);
    if (!flusher) return;
    flusherOf.set(stream, flusher);
    stream.once('close', () => {
      if (stream.rstCode === http2.constants.NGHTTP2_CANCEL) flusher.cancel(stream.id!);
    });
  });
  h2.on('request', (req, res) => {
    const flusher = flusherOf.get(req.stream);
    if (flusher && new URL(req.url, 'http://x').pathname === '/video') void serveVideo(req, res, flusher);
    else demo(req, res);
  });

  const start = (socket: net.Socket): void => {
    accepting = new PooledFlusher(socket, pool, mode, state, armed);
    h2.emit('connection', accepting);
    accepting = undefined;
  };
  const server = net.createServer((raw) => {
    raws.add(raw);
    raw.once('close', () => raws.delete(raw));
    raw.on('error', () => {});
    if (transport === 'h2c') return start(raw);
    const socket = new tls.TLSSocket(raw, { isServer: true, cert: cert.cert, key: cert.key, ALPNProtocols: ['h2'] });
    socket.on('error', () => raw.destroy());
    socket.once('secure', () => {
      state.servernames.push(socket.servername);
      start(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;

  return Object.assign(state, {
    url: `${transport === 'tls' ? 'https' : 'h2c'}://127.0.0.1:${port}`,
    cert,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.destroy();
      for (const raw of raws) raw.destroy();
      await closed;
    },
  });
}

/** bytes=N- or the whole video, WRITE_BYTES at a time, each write waiting until the previous is in the kernel. */
async function serveVideo(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse, flusher: PooledFlusher): Promise<void> {
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const start = range ? Math.min(Number(range[1]), VIDEO_SIZE) : 0;
  res.writeHead(range ? 206 : 200, {
    'content-type': 'video/mp4',
    'content-length': VIDEO_SIZE - start,
    ...(range ? { 'content-range': `bytes ${start}-${VIDEO_SIZE - 1}/${VIDEO_SIZE}` } : {}),
  });
  const stream = req.stream;
  for (let at = start; at < VIDEO_SIZE; at += WRITE_BYTES) {
    if (stream.closed || stream.destroyed) return;
    const chunk = videoBytes(at, Math.min(WRITE_BYTES, VIDEO_SIZE - at));
    await new Promise<void>((resolve) => res.write(chunk, () => resolve()));
    await flusher.flushed(stream.id!);
  }
  res.end();
}
