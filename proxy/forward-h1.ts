/**
 * Forwards one ProxiedStream (an HTTP/1.1 exchange, a node:http2 stream, or an engine stream)
 * over HTTP/1.1 with node:http directly. The body moves with the same pump as on HTTP/2
 * (backpressure both ways), the request goes through our agent (the upstream wrapper applies),
 * and the response head is written through ProxiedStream (header rules stay in proxy/headers.ts).
 *
 * Lifecycle: the upstream request is this attempt's; it ends with its response's end, or is
 * destroyed by the cancel it gave ps.attemptStarted (the client went away) or on any failure, never returned to the
 * agent half used.
 */
import * as http from 'node:http';
import type { OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { downstreamResponseHeaders, forwardableTrailers } from './headers.js';
import type { ProxiedStream } from './proxied-stream.js';
import { pump } from './pump.js';
import { UpstreamError } from './upstream/errors.js';
import { upstreamIdOf, type H1Agent } from './upstream/h1-agent.js';

export interface H1ForwardOptions {
  agent: H1Agent;
  /** End-to-end request headers with `host` set. */
  headers: OutgoingHttpHeaders;
  /** Idle time allowed on the upstream socket during the exchange; exceeded → 504. 0 = none. */
  timeoutMs: number;
}

export function forwardOverH1(ps: ProxiedStream, opts: H1ForwardOptions): void {
  const upstream = originRequest(ps, opts);
  ps.attemptStarted({ cancel: () => upstream.destroy() });
  const fail = (err: UpstreamError) => {
    if (ps.downstreamClosed) return;
    upstream.destroy();
    ps.onError(err);
  };
  upstream.on('timeout', () => fail(new UpstreamError('response-timeout', `origin was idle for ${opts.timeoutMs} ms`)));
  upstream.on('error', (err: NodeJS.ErrnoException) => {
    fail(new UpstreamError(ps.headersSent ? 'connection-lost' : 'protocol', `origin HTTP/1.1 exchange failed: ${err.code ?? err.message}`, err));
  });
  const body = ps.requestBodyMoving(pump(ps.body, upstream, () => {
    const trailers = forwardableTrailers(ps.requestTrailers);
    if (trailers) upstream.addTrailers(trailers);
    upstream.end();
  }));
  upstream.once('response', (response: http.IncomingMessage) => {
    if (ps.downstreamClosed || ps.failed) return void response.resume();
    if (!ps.onHead(response.statusCode ?? 502, downstreamResponseHeaders(response.headers, '1.1'))) return;
    // The origin's connection closed mid-body: node reports it on the response (the request is done).
    response.on('error', (err: NodeJS.ErrnoException) => {
      fail(new UpstreamError('connection-lost', `origin HTTP/1.1 response cut short: ${err.code ?? err.message}`, err));
    });
    ps.responseBodyMoving(pump(response, ps.sink, () => {
      if (!ps.body.readableEnded) {
        // The origin answered in full before the whole request body went up (a 413, a 401): its
        // connection holds half a body and is not reused; the rest of the body is read and dropped,
        // or the client never finishes sending and its stream never closes.
        body.detach();
        upstream.destroy();
        ps.body.resume();
      }
      ps.onEnd(forwardableTrailers(response.trailers));
    }));
  });
}

/**
 * The request to the origin, through our agent (its upstream wrapper applies), host as given in
 * the headers; its interim responses and its socket's id reach the stream.
 */
function originRequest(ps: ProxiedStream, opts: H1ForwardOptions): http.ClientRequest {
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
  upstream.on('information', (info) => ps.onInformational(info.statusCode, downstreamResponseHeaders(info.headers, '1.1')));
  upstream.once('socket', (socket: Socket) => {
    ps.upstreamAssigned(upstreamIdOf(socket));
  });
  return upstream;
}
