/**
 * node:http2 client helpers for tests: connect (trusting the test cert), request → collected
 * response, and a proxy + origin start/stop pair.
 */
import { once } from 'node:events';
import * as http2 from 'node:http2';
import { Readable } from 'node:stream';
import { createProxyEvents, type ProxyEvents } from '../../proxy/events.js';
import { startProxy, type RunningProxy, type StartProxyOptions } from '../../proxy/start.js';
import { testCert } from './tls-cert.js';

export interface CollectedResponse {
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: Buffer;
  trailers?: http2.IncomingHttpHeaders;
}

/** A client session to `url` (https:// trusting the test cert, or http:// for h2c). */
export async function connectH2(url: string, options: http2.SecureClientSessionOptions = {}): Promise<http2.ClientHttp2Session> {
  const { cert } = await testCert();
  const session = http2.connect(url, { ca: cert, ...options });
  session.on('error', () => {});
  await Promise.race([once(session, 'connect'), once(session, 'close').then(() => Promise.reject(new Error(`cannot connect to ${url}`)))]);
  return session;
}

export interface RequestOptions {
  method?: string;
  headers?: http2.OutgoingHttpHeaders;
  body?: Buffer;
  trailers?: http2.OutgoingHttpHeaders;
}

/** Starts a request; `collect()` gathers the whole response. */
export function request(session: http2.ClientHttp2Session, path: string, opts: RequestOptions = {}): http2.ClientHttp2Stream {
  const hasBody = opts.body !== undefined;
  const stream = session.request(
    { ':method': opts.method ?? (hasBody ? 'POST' : 'GET'), ':path': path, ...opts.headers },
    { endStream: !hasBody, waitForTrailers: opts.trailers !== undefined },
  );
  if (opts.trailers) stream.once('wantTrailers', () => stream.sendTrailers(opts.trailers!));
  // In slices with backpressure: one big write would count whole against the session's memory cap.
  if (hasBody) Readable.from(slices(opts.body!, 64 * 1024)).pipe(stream);
  return stream;
}

function* slices(body: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < body.length; i += size) yield body.subarray(i, i + size);
}

export function collect(stream: http2.ClientHttp2Stream): Promise<CollectedResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let status = 0;
    let headers: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders | undefined;
    stream.once('response', (h) => {
      headers = h;
      status = Number(h[':status']);
    });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.once('trailers', (t) => (trailers = t));
    // Node ends the readable side of a reset stream too: only a clean close is a whole response.
    stream.once('close', () => {
      if (stream.readableEnded && stream.rstCode === http2.constants.NGHTTP2_NO_ERROR) {
        resolve({ status, headers, body: Buffer.concat(chunks), trailers });
      } else {
        reject(new Error(`stream closed before its end (RST code ${stream.rstCode}, status ${status})`));
      }
    });
    stream.on('error', () => {});
  });
}

export async function get(session: http2.ClientHttp2Session, path: string, opts: RequestOptions = {}): Promise<CollectedResponse> {
  return collect(request(session, path, opts));
}

/** A proxy on ephemeral ports (TLS + h2c) trusting the test cert upstream, silent logs. */
/** A proxy the test composed: the events it made and handed down beside it. */
export type TestProxy = RunningProxy & { events: ProxyEvents };

export async function startTestProxy(origin: string, extra: Partial<StartProxyOptions> = {}): Promise<TestProxy> {
  const { certPath, keyPath } = await testCert();
  const events = extra.events ?? createProxyEvents();
  const proxy = await startProxy({
    listen: '127.0.0.1:0',
    h2cListen: '127.0.0.1:0',
    origin,
    cert: certPath,
    key: keyPath,
    shutdownTimeoutMs: 1000,
    ...extra,
    events,
    upstream: { ca: certPath, ...extra.upstream },
  });
  return { ...proxy, events };
}
