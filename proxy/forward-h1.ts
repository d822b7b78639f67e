/**
 * Forwards one ProxiedStream over HTTP/1.1 with http2-proxy (it owns the body plumbing and the
 * cleanup: a client that goes away aborts the upstream request, whose socket is then destroyed,
 * never returned to the agent). The request is made here, through our agent, so the upstream
 * wrapper applies; the response is written here, so header rules stay in proxy/headers.ts.
 */
import * as http from 'node:http';
import type { OutgoingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { downstreamResponseHeaders, forwardableTrailers } from './headers.js';
import type { ProxiedStream } from './proxied-stream.js';
import { pump } from './pump.js';
import { UpstreamError } from './upstream/errors.js';
import { upstreamIdOf, type H1Agent } from './upstream/h1-agent.js';

// http2-proxy is CommonJS with `module.exports = fn`; its named exports are not visible to ESM.
const http2Proxy = createRequire(import.meta.url)('http2-proxy') as typeof import('http2-proxy');

export interface H1ForwardOptions {
  agent: H1Agent;
  /** End-to-end request headers with `host` set. */
  headers: OutgoingHttpHeaders;
  /** Idle time allowed on the upstream socket during the exchange; exceeded → 504. 0 = none. */
  timeoutMs: number;
}

export function forwardOverH1(ps: ProxiedStream, opts: H1ForwardOptions): void {
  ps.attempts++;
  const pair = ps.compat();
  const req = pair.req as http.IncomingMessage;
  const res = pair.res as http.ServerResponse;
  let upstreamReq: http.ClientRequest | undefined;
  let dropBody = false;
  const { host, port } = opts.agent.endpoint;
  void (http2Proxy.web(req, res, {
    hostname: host,
    port,
    onReq: async () => {
      const upstream = upstreamReq = originRequest(ps, opts);
      // http2-proxy reads the request body itself; a second 'data' reader could start the flow
      // before its reader is attached and lose chunks, so the bytes are counted where they go out.
      const write = upstream.write;
      upstream.write = function countedWrite(this: http.ClientRequest, chunk: Buffer, encoding?: unknown, cb?: unknown) {
        if (dropBody) return true;
        ps.bytesIn += chunk.length;
        return (write as (c: Buffer, e?: unknown, cb?: unknown) => boolean).call(this, chunk, encoding, cb);
      } as typeof upstream.write;
      req.once('end', () => {
        const trailers = forwardableTrailers(ps.requestTrailers);
        if (trailers) upstream.addTrailers(trailers as Record<string, string>);
      });
      return upstream;
    },
    onRes: async (_req, _res, proxyRes) => {
      const upstreamRes = proxyRes as unknown as http.IncomingMessage;
      if (!ps.relayHead(upstreamRes.statusCode ?? 502, downstreamResponseHeaders(upstreamRes.headers, '1.1'))) return;
      ps.responseBody = pump(upstreamRes, res, () => {
        if (!req.readableEnded) {
          // The origin answered in full before the whole request body went up (e.g. a 413, a 401).
          // Its connection holds half a body: destroyed, never reused. The rest of the body goes
          // nowhere: read and dropped (http2-proxy paused the request on backpressure and would
          // never resume it), or the client never finishes sending and its stream never closes.
          dropBody = true;
          upstreamReq!.destroy();
          req.resume();
        }
        ps.endResponse(forwardableTrailers(upstreamRes.trailers));
      });
    },
  }) as Promise<void>).catch((err: Error & { statusCode?: number; code?: string }) => {
    if (ps.downstreamClosed) return;
    ps.fail(err instanceof UpstreamError ? err : err.statusCode === 504 ? originIdle(opts, err) : exchangeFailed(ps, err));
  });
}

/**
 * The request to the origin, through our agent (its upstream wrapper applies), host as given in
 * the headers; its interim responses and its socket's id reach the stream (both forwarders).
 */
export function originRequest(ps: ProxiedStream, opts: H1ForwardOptions): http.ClientRequest {
  const { host, port } = opts.agent.endpoint;
  const upstream = http.request({
    agent: opts.agent,
    host,
    port,
    method: ps.start.method,
    path: ps.start.path,
    headers: opts.headers,
    setHost: false,
    timeout: opts.timeoutMs > 0 ? opts.timeoutMs : undefined,
  });
  upstream.on('information', (info) => ps.informational(info.statusCode, downstreamResponseHeaders(info.headers, '1.1')));
  upstream.once('socket', (socket: Socket) => {
    ps.upstreamId = upstreamIdOf(socket);
  });
  return upstream;
}

/** The origin went quiet for longer than the exchange allows: a 504 before the head. */
export function originIdle(opts: H1ForwardOptions, cause?: Error): UpstreamError {
  return new UpstreamError('response-timeout', `origin was idle for ${opts.timeoutMs} ms`, cause);
}

/** The HTTP/1.1 exchange failed: before the head a protocol failure (502), after it a lost connection. */
export function exchangeFailed(ps: ProxiedStream, err: NodeJS.ErrnoException): UpstreamError {
  return new UpstreamError(ps.headersSent ? 'connection-lost' : 'protocol', `origin HTTP/1.1 exchange failed: ${err.code ?? err.message}`, err);
}
