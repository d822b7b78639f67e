/**
 * Small origins for proxy tests, one handler over four transports: TLS h2 ('h2'), TLS HTTP/1.1
 * only ('h1-tls'), cleartext h2 by prior knowledge ('h2c') and cleartext HTTP/1.1 ('h1').
 *
 * Routes: /small, /bytes?size=&chunk=&delay=&tag= (pattern bytes, single Range → 206/416,
 * HEAD), /echo (body back, trailers: request trailers echoed + x-echo-sha256), /sse (an event every
 * 50 ms), /headers (request headers as JSON), /early-hints (103 then 200), /hold (parked until
 * the test answers it), /status?code=, /refuse?tag=&times= (HTTP/2: the first `times` requests
 * with that tag get RST_STREAM(REFUSED_STREAM), later ones 200).
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import type * as net from 'node:net';
import { patternBytes } from './bytes.js';
import { testCert } from './tls-cert.js';

export type OriginKind = 'h2' | 'h1-tls' | 'h2c' | 'h1';

type Req = http.IncomingMessage | http2.Http2ServerRequest;
type Res = http.ServerResponse | http2.Http2ServerResponse;

export interface StreamSeen {
  method: string;
  path: string;
  /** HTTP/2 session ordinal (1, 2, ...) or HTTP/1.1 connection ordinal. */
  connection: number;
  /** Filled when the stream closed: HTTP/2 RST code (0 = clean), -1 for an HTTP/1.1 request. */
  rstCode?: number;
  /** Response body bytes handed to the transport. */
  written: number;
  closed: Promise<void>;
}

export interface TestOrigin {
  kind: OriginKind;
  /** e.g. https://127.0.0.1:PORT, h2c://127.0.0.1:PORT, http://127.0.0.1:PORT */
  url: string;
  port: number;
  /** Connections accepted so far (HTTP/2 sessions on h2 kinds). */
  connections: number;
  /** Ordinals of connections that have closed. */
  closedConnections: Set<number>;
  /** Every request seen, in arrival order. */
  streams: StreamSeen[];
  /** /hold requests not answered yet. */
  held: { req: Req; res: Res; seen: StreamSeen }[];
  /** Called when a /hold request arrives. */
  onHold?: (held: { req: Req; res: Res; seen: StreamSeen }) => void;
  /** HTTP/2 sessions open now (h2, h2c). */
  sessions: Set<http2.ServerHttp2Session>;
  /** Cuts every connection now (the origin "dies" but keeps listening). */
  killConnections(): void;
  close(): Promise<void>;
}

export interface TestOriginOptions {
  port?: number;
  /** HTTP/2 settings the origin announces (h2, h2c); initialWindowSize defaults to 1 MiB. */
  settings?: http2.Settings;
}

export async function startTestOrigin(kind: OriginKind, opts: TestOriginOptions = {}): Promise<TestOrigin> {
  const settings = { initialWindowSize: 1024 * 1024, ...opts.settings };
  const { cert, key } = await testCert();
  const sockets = new Set<net.Socket>();
  const connectionIds = new WeakMap<object, number>();
  let server: net.Server;
  const handler = (req: Req, res: Res) => route(origin, req, res, connectionOf(req));
  const connectionOf = (req: Req): number => {
    const stream = (req as http2.Http2ServerRequest).stream;
    return connectionIds.get(stream ? stream.session! : req.socket) ?? 0;
  };
  switch (kind) {
    case 'h2':
      server = http2.createSecureServer({ cert, key, settings }, handler);
      break;
    case 'h2c':
      server = http2.createServer({ settings }, handler);
      break;
    case 'h1-tls':
      server = https.createServer({ cert, key }, handler);
      break;
    case 'h1':
      server = http.createServer(handler);
      break;
  }
  const origin: TestOrigin = {
    kind,
    url: '',
    port: 0,
    connections: 0,
    closedConnections: new Set(),
    streams: [],
    held: [],
    sessions: new Set(),
    killConnections() {
      for (const s of origin.sessions) s.destroy();
      for (const s of sockets) s.destroy();
    },
    async close() {
      origin.killConnections();
      server.close();
      await once(server, 'close');
    },
  };
  // Ordinals: per HTTP/2 session on h2 kinds (its 'session' event comes before our
  // 'secureConnection' listener runs), per socket on HTTP/1.1 kinds.
  const h2Kind = kind === 'h2' || kind === 'h2c';
  server.on(kind === 'h2' || kind === 'h1-tls' ? 'secureConnection' : 'connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    if (h2Kind) return;
    const id = ++origin.connections;
    connectionIds.set(socket, id);
    socket.once('close', () => origin.closedConnections.add(id));
  });
  server.on('session', (session: http2.ServerHttp2Session) => {
    const id = ++origin.connections;
    connectionIds.set(session, id);
    origin.sessions.add(session);
    session.once('close', () => {
      origin.sessions.delete(session);
      origin.closedConnections.add(id);
    });
    session.on('error', () => {});
  });
  server.listen(opts.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  origin.port = (server.address() as net.AddressInfo).port;
  const scheme = kind === 'h2' || kind === 'h1-tls' ? 'https' : kind === 'h2c' ? 'h2c' : 'http';
  origin.url = `${scheme}://127.0.0.1:${origin.port}`;
  return origin;
}

const refusals = new Map<string, number>();

function route(origin: TestOrigin, req: Req, res: Res, connection: number): void {
  const url = new URL(req.url ?? '/', 'http://origin');
  let resolveClosed!: () => void;
  const seen: StreamSeen = {
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    connection,
    written: 0,
    closed: new Promise((r) => (resolveClosed = r)),
  };
  origin.streams.push(seen);
  const h2 = (req as http2.Http2ServerRequest).stream;
  res.once('close', () => {
    seen.rstCode = h2 ? h2.rstCode : -1;
    resolveClosed();
  });
  const r = res as http.ServerResponse;
  switch (url.pathname) {
    case '/small':
      r.writeHead(200, { 'content-type': 'text/plain', 'content-length': 18 });
      r.end('hello from origin\n');
      return;
    case '/bytes':
      return void sendBytes(req, r, url, seen);
    case '/echo':
      return echo(req, r);
    case '/sse': {
      r.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      let n = 0;
      const timer = setInterval(() => r.write(`id: ${++n}\ndata: tick ${n}\n\n`), 50);
      res.once('close', () => clearInterval(timer));
      return;
    }
    case '/headers': {
      const body = JSON.stringify(req.headers);
      r.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      r.end(body);
      return;
    }
    case '/early-hints':
      r.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
      r.writeHead(200, { 'content-type': 'text/plain' });
      r.end('after hints');
      return;
    case '/hold': {
      const held = { req, res, seen };
      origin.held.push(held);
      origin.onHold?.(held);
      return;
    }
    case '/refuse': {
      const tag = `${origin.port}:${url.searchParams.get('tag') ?? ''}`;
      const done = refusals.get(tag) ?? 0;
      if (h2 && done < Number(url.searchParams.get('times') ?? 1)) {
        refusals.set(tag, done + 1);
        h2.close(http2.constants.NGHTTP2_REFUSED_STREAM);
        return;
      }
      r.writeHead(200, { 'content-length': 8 });
      r.end('accepted');
      return;
    }
    case '/status': {
      const code = Number(url.searchParams.get('code') ?? 200);
      r.writeHead(code, { 'content-length': 0 });
      r.end();
      return;
    }
    default:
      r.writeHead(404, { 'content-length': 0 });
      r.end();
  }
}

async function sendBytes(req: Req, res: http.ServerResponse, url: URL, seen: StreamSeen): Promise<void> {
  const size = Number(url.searchParams.get('size') ?? 1024);
  const chunk = Number(url.searchParams.get('chunk') ?? 65536);
  const delay = Number(url.searchParams.get('delay') ?? 0);
  let start = 0;
  let end = size - 1;
  let status = 200;
  const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes' };
  const range = req.headers.range;
  if (typeof range === 'string') {
    const m = /^bytes=(\d*)-(\d*)$/.exec(range);
    const a = m?.[1] ? Number(m[1]) : undefined;
    const b = m?.[2] ? Number(m[2]) : undefined;
    if (a !== undefined) {
      start = a;
      end = b === undefined ? size - 1 : Math.min(b, size - 1);
    } else if (b !== undefined) {
      start = Math.max(0, size - b);
    }
    if (!m || (a === undefined && b === undefined) || start >= size || start > end) {
      res.writeHead(416, { 'content-range': `bytes */${size}`, 'content-length': 0 });
      res.end();
      return;
    }
    status = 206;
    headers['content-range'] = `bytes ${start}-${end}/${size}`;
  }
  headers['content-length'] = end - start + 1;
  res.writeHead(status, headers);
  if (req.method === 'HEAD') return void res.end();
  let closed = false;
  res.once('close', () => (closed = true));
  for (let offset = start; offset <= end && !closed;) {
    const n = Math.min(chunk, end + 1 - offset);
    const ok = res.write(patternBytes(offset, n));
    seen.written += n;
    offset += n;
    if (!ok && !closed) await drainOrClose(res);
    if (delay > 0 && !closed) await new Promise((r) => setTimeout(r, delay));
  }
  if (!closed) res.end();
}

function drainOrClose(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function echo(req: Req, res: http.ServerResponse): void {
  const hash = createHash('sha256');
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  req.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    if (!res.write(chunk)) {
      req.pause();
      res.once('drain', () => req.resume());
    }
  });
  req.once('end', () => {
    const trailers: Record<string, string> = { 'x-echo-sha256': hash.digest('hex') };
    for (const [name, value] of Object.entries(req.trailers ?? {})) {
      if (typeof value === 'string') trailers[`x-echo-${name}`] = value;
    }
    res.addTrailers(trailers);
    res.end();
  });
}
