/**
 * A TLS HTTP/2 origin (the demo routes) with the Jetty cancel race's trigger, for `scenario
 * --shape` tests: it keeps reading while its socket writes are pending, as Jetty does, and notes
 * for each cancelled /video stream whether the connection's socket still held unsent bytes.
 *
 *   client ─TCP─▶ TLSSocket (ALPN h2) ─▶ WriteBehind (Duplex) ─▶ node:http2 session ─▶ demo routes
 *
 * Why not node:http2 on the socket directly: a native session stops reading while a socket write
 * is in progress (node_http2.cc MaybeStopReading), so no cancel is ever processed with a write
 * pending — node sidesteps the race. WriteBehind takes the session's writes at once (copied: the
 * session reuses that memory once a write is done) and queues them on the TLS socket, so what the
 * kernel will not take yet waits in `socket.writableLength`, and the session reads on.
 *
 * On a cancel that finds more than PENDING_BYTES waiting, it does what Jetty's repooled buffer
 * ended in: the connection dies (a TCP reset, so no queued byte delays it) and every other stream
 * on it with it. On a LAN the socket drains as fast as it is written and nothing happens.
 *
 * Lifecycle: close() ends the listener and every connection (raw socket, TLS socket, session).
 */
import http2 from 'node:http2';
import net from 'node:net';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { generateSelfSigned, type CertPair } from '../../origin/cert.js';
import { createDemoHandler } from '../../origin/handler.js';

/** More than one frame in flight: the kernel has refused bytes, not just not taken them yet. */
const PENDING_BYTES = 64 * 1024;

export interface JettyLikeOrigin {
  url: string;
  cert: CertPair;
  /** Cancels of /video streams that found more than PENDING_BYTES unsent on the socket; each resets its connection. */
  pendingCancels: number;
  /** Cancels that found the socket (nearly) drained. */
  flushedCancels: number;
  /** Cancels count only while armed (the end of a run cancels everything). */
  armed: boolean;
  /** The SNI name of each TLS connection (false or null: none sent). */
  servernames: (string | false | null)[];
  close(): Promise<void>;
}

/** A session's socket: writes complete at once and wait on the TLS socket; reads pass through. */
class WriteBehind extends Duplex {
  constructor(readonly socket: tls.TLSSocket) {
    super();
    socket.on('data', (data: Buffer) => {
      if (!this.push(data)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (!this.socket.destroyed) this.socket.write(Buffer.from(chunk));
    cb();
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.socket.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.socket.destroy();
    cb(err);
  }
}

export async function startJettyLikeOrigin(): Promise<JettyLikeOrigin> {
  const cert = await generateSelfSigned();
  const demo = createDemoHandler({ videoSize: 64 * 1024 * 1024 });
  const raws = new Set<net.Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  const socketOf = new WeakMap<http2.Http2Session, { raw: net.Socket; behind: WriteBehind }>();
  let accepting: { raw: net.Socket; behind: WriteBehind } | undefined;

  const h2 = http2.createServer();
  h2.on('session', (session) => {
    socketOf.set(session, accepting!);
    sessions.add(session);
    session.on('error', () => {});
    session.once('close', () => sessions.delete(session));
  });
  h2.on('request', (req, res) => {
    const stream = req.stream;
    // Taken now: a closed stream no longer knows its session (nor has one when it closed early).
    const session = stream.session;
    const sockets = session && socketOf.get(session);
    if (session && sockets && new URL(req.url, 'http://x').pathname === '/video') {
      stream.once('close', () => {
        if (stream.rstCode !== http2.constants.NGHTTP2_CANCEL || !origin.armed || session.destroyed) return;
        if (sockets.behind.socket.writableLength <= PENDING_BYTES) {
          origin.flushedCancels++;
          return;
        }
        origin.pendingCancels++;
        sockets.raw.resetAndDestroy();
        session.destroy();
      });
    }
    demo(req as never, res as never);
  });

  const server = net.createServer((raw) => {
    raws.add(raw);
    raw.once('close', () => raws.delete(raw));
    raw.on('error', () => {});
    const socket = new tls.TLSSocket(raw, { isServer: true, cert: cert.cert, key: cert.key, ALPNProtocols: ['h2'] });
    socket.on('error', () => raw.destroy());
    socket.once('secure', () => {
      origin.servernames.push(socket.servername);
      accepting = { raw, behind: new WriteBehind(socket) };
      h2.emit('connection', accepting.behind);
      accepting = undefined;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;

  const origin: JettyLikeOrigin = {
    url: `https://127.0.0.1:${port}`,
    cert,
    pendingCancels: 0,
    flushedCancels: 0,
    armed: true,
    servernames: [],
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.destroy();
      for (const raw of raws) raw.destroy();
      await closed;
    },
  };
  return origin;
}
