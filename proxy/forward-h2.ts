/**
 * Forwards one ProxiedStream over an HTTP/2 upstream stream taken from an H2Pool.
 *
 * Retries (RFC 9113 §6.8, §8.7): an attempt whose stream the origin never processed — above
 * the last-stream-id of its GOAWAY, or refused with REFUSED_STREAM — is sent again on another
 * session, as long as no request body byte was consumed for it. REFUSED_STREAM is retried once.
 */
import * as http2 from 'node:http2';
import type { OutgoingHttpHeaders } from 'node:http';
import { downstreamResponseHeaders, forwardableTrailers } from './headers.js';
import type { ProxiedStream } from './proxied-stream.js';
import { pump, type Pump } from './pump.js';
import { H2Pool, type H2StreamRequest, type UpstreamH2Session } from './upstream/h2-pool.js';
import { OriginNotH2Error, UpstreamError } from './upstream/errors.js';

const { NGHTTP2_CANCEL, NGHTTP2_FLAG_END_STREAM, NGHTTP2_NO_ERROR, NGHTTP2_REFUSED_STREAM } = http2.constants;
/** Attempts after GOAWAYs (each on a new session); bounded so a flapping origin cannot loop. */
const MAX_ATTEMPTS = 3;

export interface H2ForwardOptions {
  pool: H2Pool;
  /** Request headers including :method, :path, :scheme, :authority. */
  headers: OutgoingHttpHeaders;
  hasBody: boolean;
  responseTimeoutMs: number;
  /** The origin turned out to speak HTTP/1.1 only: forward this stream that way instead. */
  onNotH2?: () => void;
}

export function forwardOverH2(ps: ProxiedStream, opts: H2ForwardOptions): void {
  let refusedRetries = 0;
  const attempt = () => {
    ps.attempts++;
    const request: H2StreamRequest = {
      headers: opts.headers,
      endStream: !opts.hasBody,
      waitForTrailers: opts.hasBody,
      callback: (err, stream, session) => {
        ps.cancelUpstream = undefined;
        if (err) {
          if (err instanceof OriginNotH2Error && opts.onNotH2) return opts.onNotH2();
          return ps.fail(err);
        }
        if (ps.downstreamClosed) return abandon(stream!);
        run(stream!, session!);
      },
    };
    ps.cancelUpstream = () => opts.pool.withdraw(request);
    opts.pool.request(request);
  };

  const run = (stream: http2.ClientHttp2Stream, session: UpstreamH2Session) => {
    ps.upstreamId = session.id;
    let responded = false;
    let finished = false;
    let trailers: http2.IncomingHttpHeaders | undefined;
    const timer = opts.responseTimeoutMs > 0
      ? setTimeout(() => ps.fail(new UpstreamError('response-timeout', `origin sent no response headers within ${opts.responseTimeoutMs} ms`)), opts.responseTimeoutMs)
      : undefined;
    ps.cancelUpstream = () => abandon(stream);
    let body: Pump | undefined;
    if (opts.hasBody) {
      // A retry after a body-less DATA END_STREAM: nothing left to read.
      if (ps.body.readableEnded) stream.end();
      else body = ps.requestBody = pump(ps.body, stream, () => stream.end());
      stream.on('wantTrailers', () => {
        try {
          stream.sendTrailers(forwardableTrailers(ps.requestTrailers) ?? {});
        } catch {
          stream.sendTrailers({}); // the client's trailers were not valid HTTP/2 fields
        }
      });
    }
    stream.on('continue', () => ps.informational(100, {}));
    stream.on('headers', (headers) => {
      const status = Number(headers[':status']);
      if (status > 100 && status < 200) ps.informational(status, downstreamResponseHeaders(headers, '2'));
    });
    stream.once('response', (headers, flags) => {
      responded = true;
      clearTimeout(timer);
      if (ps.downstreamClosed || ps.failed) return;
      const status = Number(headers[':status']);
      if (!ps.relayHead(status, downstreamResponseHeaders(headers, '2'), (flags & NGHTTP2_FLAG_END_STREAM) !== 0)) return;
      const expected = status === 204 || status === 304 || ps.start.method === 'HEAD' ? undefined : headers['content-length'];
      const response = pump(stream, ps.sink, () => {
        // Node ends the readable side of a reset stream too; only a clean end completes the response.
        if (stream.rstCode !== undefined && stream.rstCode !== NGHTTP2_NO_ERROR) return;
        // An origin session destroyed mid-body ends its streams with END_STREAM: count the bytes.
        if (expected !== undefined && response.bytes !== Number(expected)) {
          return ps.fail(new UpstreamError('protocol', `origin ended the body after ${response.bytes} of ${expected} bytes`));
        }
        finished = true;
        ps.endResponse(forwardableTrailers(trailers));
      });
      ps.responseBody = response;
    });
    stream.once('trailers', (t) => {
      trailers = t;
    });
    stream.on('error', () => {
      /* reported through 'close' below, with the stream's rstCode */
    });
    stream.once('close', () => {
      clearTimeout(timer);
      if (finished && body && !ps.body.readableEnded) {
        // The origin answered in full and stopped reading the request (RFC 9113 §8.1). The rest
        // of the body goes nowhere: read and drop it, or the client, out of window, never finishes
        // sending and its stream never closes. (An RST_STREAM(NO_ERROR) could overtake the
        // response's last DATA frames in nghttp2's queue.)
        body.detach();
        ps.body.resume();
      }
      if (finished || ps.downstreamClosed || ps.failed) return;
      const retryable = !responded && (body === undefined || body.bytes === 0) && H2Pool.unprocessed(stream, session);
      const refused = stream.rstCode === NGHTTP2_REFUSED_STREAM && session.goawayLastStreamId === undefined;
      if (retryable && ps.attempts < MAX_ATTEMPTS && (!refused || refusedRetries++ < 1)) {
        body?.detach();
        return attempt();
      }
      ps.fail(new UpstreamError(
        session.session?.destroyed && stream.rstCode !== NGHTTP2_REFUSED_STREAM ? 'connection-lost' : 'stream-reset',
        responded
          ? `origin stream ended early (RST_STREAM code ${stream.rstCode})`
          : `origin stream closed before a response (RST_STREAM code ${stream.rstCode})`,
      ));
    });
  };

  attempt();
}

/**
 * RST_STREAM(CANCEL) if the stream is still open; destroy() also frees a stream nghttp2 already
 * closed whose body sits unread in it (it would otherwise hold its pool slot forever).
 */
function abandon(stream: http2.ClientHttp2Stream): void {
  if (!stream.closed) stream.close(NGHTTP2_CANCEL);
  stream.destroy();
}
