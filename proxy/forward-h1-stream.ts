/**
 * Forwards an engine stream's request (an HTTP/2 request on h2race's own engine) to an HTTP/1.1
 * origin with node:http directly: http2-proxy speaks node's request/response pairs, which an
 * engine stream does not have. The body moves with the same pump as on HTTP/2 (backpressure both
 * ways), the request goes through our agent (the upstream wrapper applies), and the response head
 * is written through ProxiedStream (header rules stay in proxy/headers.ts).
 *
 * Lifecycle: the upstream request is this attempt's; it ends with its response's end, or is
 * destroyed by ps.cancelUpstream (the client went away) or on any failure, never returned to the
 * agent half used.
 */
import type * as http from 'node:http';
import { exchangeFailed, originIdle, originRequest, type H1ForwardOptions } from './forward-h1.js';
import { downstreamResponseHeaders, forwardableTrailers } from './headers.js';
import type { ProxiedStream } from './proxied-stream.js';
import { pump } from './pump.js';
import { UpstreamError } from './upstream/errors.js';

export function forwardStreamOverH1(ps: ProxiedStream, opts: H1ForwardOptions): void {
  ps.attempts++;
  const upstream = originRequest(ps, opts);
  ps.cancelUpstream = () => upstream.destroy();
  const fail = (err: UpstreamError) => {
    if (ps.downstreamClosed) return;
    upstream.destroy();
    ps.fail(err);
  };
  upstream.on('timeout', () => fail(originIdle(opts)));
  upstream.on('error', (err: NodeJS.ErrnoException) => fail(exchangeFailed(ps, err)));
  const body = ps.requestBody = pump(ps.body, upstream, () => {
    const trailers = forwardableTrailers(ps.requestTrailers);
    if (trailers) upstream.addTrailers(trailers as Record<string, string>);
    upstream.end();
  });
  upstream.once('response', (response: http.IncomingMessage) => {
    if (ps.downstreamClosed || ps.failed) return void response.resume();
    if (!ps.relayHead(response.statusCode ?? 502, downstreamResponseHeaders(response.headers, '1.1'))) return;
    // The origin's connection closed mid-body: node reports it on the response (the request is done).
    response.on('error', (err: NodeJS.ErrnoException) => {
      fail(new UpstreamError('connection-lost', `origin HTTP/1.1 response cut short: ${err.code ?? err.message}`, err));
    });
    ps.responseBody = pump(response, ps.sink, () => {
      if (!ps.body.readableEnded) {
        // The origin answered in full before the whole request body went up (a 413, a 401): its
        // connection holds half a body and is not reused; the rest of the body is read and dropped,
        // or the client never finishes sending and its stream never closes.
        body.detach();
        upstream.destroy();
        ps.body.resume();
      }
      ps.endResponse(forwardableTrailers(response.trailers));
    });
  });
}
