/**
 * One request through the proxy: a downstream exchange (an HTTP/2 stream seen through Node's
 * compat request/response, or an HTTP/1.1 request) and its upstream attempts.
 *
 * Lifecycle — owner: the forwarder (proxy/forward.ts) that creates it in the front's request
 * handler. It lives until the downstream response closes (`res` 'close'), and ends there, in
 * end(), exactly once: outcome decided, 'stream-end' emitted, one log line written.
 *   - The downstream closing first (client RST_STREAM / disconnect) aborts the live upstream
 *     attempt through `cancelUpstream` (RST_STREAM(CANCEL) upstream, or the HTTP/1.1 socket
 *     destroyed) — that attempt and nothing else.
 *   - An upstream failure goes through fail(): a 502/504 if no response headers went out yet,
 *     otherwise RST_STREAM(INTERNAL_ERROR) on this one downstream stream (HTTP/1.1: the
 *     connection is cut, the only way to tell the client the body is incomplete).
 */
import * as http2 from 'node:http2';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ConnectionInfo } from './connection-wrapper.js';
import type { Pump } from './pump.js';
import type { ProxyEvents, StreamEndRecord, StreamOutcome, StreamStartRecord } from './events.js';
import { UpstreamError } from './upstream/errors.js';

const { NGHTTP2_CANCEL, NGHTTP2_INTERNAL_ERROR, NGHTTP2_NO_ERROR } = http2.constants;

export type DownstreamRequest = IncomingMessage | http2.Http2ServerRequest;
export type DownstreamResponse = ServerResponse | http2.Http2ServerResponse;

export class ProxiedStream {
  readonly start: StreamStartRecord;
  readonly startedAt = performance.now();
  status?: number;
  /** Request body bytes counted outside a pump (the HTTP/1.1 upstream path). */
  bytesIn = 0;
  /** Moves the request body to the current HTTP/2 upstream attempt. */
  requestBody?: Pump;
  /** Moves the response body downstream once the response headers are out. */
  responseBody?: Pump;
  attempts = 0;
  upstreamId?: number;
  /** Aborts the live upstream attempt (or withdraws it from a pool queue). */
  cancelUpstream?: () => void;
  /** The response was ended by the proxy (all of it handed to the downstream side). */
  responseEnded = false;
  downstreamClosed = false;
  private failure?: Error;
  /** Set when the downstream idle timeout closed the stream. */
  private idleFor?: number;

  constructor(
    readonly req: DownstreamRequest,
    readonly res: DownstreamResponse,
    readonly connection: ConnectionInfo,
    streamId: number,
    private readonly events: ProxyEvents,
    private readonly logger: Logger,
  ) {
    this.start = {
      connectionId: connection.id,
      streamId,
      protocol: this.h2Stream ? 'h2' : 'http/1.1',
      method: req.method ?? 'GET',
      path: req.url ?? '/',
    };
    events.emit('stream-start', this.start);
    res.once('close', () => this.end());
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** The downstream HTTP/2 stream, or undefined on HTTP/1.1. */
  get h2Stream(): http2.ServerHttp2Stream | undefined {
    return (this.req as http2.Http2ServerRequest).stream;
  }

  writeHead(status: number, headers: OutgoingHttpHeaders): void {
    this.status = status;
    (this.res as ServerResponse).writeHead(status, headers);
  }

  /**
   * Sends the origin's response head downstream. Node validates it (and throws); an origin's head
   * it refuses fails this stream with 502 — a throw in an event handler would end the process.
   */
  relayHead(status: number, headers: OutgoingHttpHeaders): boolean {
    try {
      this.writeHead(status, headers);
      return true;
    } catch (err) {
      this.fail(new UpstreamError('protocol', `origin response head refused: ${(err as Error).message}`));
      return false;
    }
  }

  /** Ends the response after the body; trailers (if any, and valid) go out first. */
  endResponse(trailers: OutgoingHttpHeaders | undefined): void {
    if (trailers) {
      try {
        (this.res as ServerResponse).addTrailers(trailers as Record<string, string>);
      } catch (err) {
        this.logger.debug({ connectionId: this.start.connectionId, streamId: this.start.streamId, err: (err as Error).message }, 'origin trailers dropped');
      }
    }
    this.responseEnded = true;
    this.res.end();
  }

  /** Relays an interim response: 100 Continue, or 103 Early Hints (needs a link header). */
  informational(status: number, headers: OutgoingHttpHeaders): void {
    if (this.downstreamClosed || this.res.headersSent) return;
    try {
      if (status === 100) this.res.writeContinue();
      else if (status === 103 && headers.link !== undefined) {
        (this.res as ServerResponse).writeEarlyHints(headers as Record<string, string | string[]>);
      }
    } catch (err) {
      this.logger.debug({ connectionId: this.start.connectionId, streamId: this.start.streamId, err: (err as Error).message }, 'interim response dropped');
    }
  }

  /** Answers the request itself (nothing goes upstream). */
  refuse(status: number, reason: string): void {
    const body = `h2race: ${reason}\n`;
    this.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    this.responseEnded = true;
    this.res.end(body);
  }

  /** No bytes moved on the downstream stream for `ms`: close it, which cancels its upstream. */
  idleTimeout(ms: number): void {
    if (this.downstreamClosed) return;
    this.idleFor = ms;
    this.h2Stream?.close(NGHTTP2_CANCEL);
  }

  /** The upstream attempt failed for good (see the lifecycle above). */
  fail(err: Error): void {
    if (this.downstreamClosed || this.failure) return;
    this.failure = err;
    this.cancelUpstream?.();
    this.cancelUpstream = undefined;
    if (!this.res.headersSent) {
      const status = err instanceof UpstreamError ? err.status : 502;
      const body = `h2race: ${err.message}\n`;
      this.writeHead(status, {
        'content-type': 'text/plain; charset=utf-8',
        'content-length': Buffer.byteLength(body),
        'x-h2race-error': err instanceof UpstreamError ? err.failure : 'proxy',
      });
      this.res.end(body);
      return;
    }
    const h2 = this.h2Stream;
    if (h2) h2.close(NGHTTP2_INTERNAL_ERROR);
    else (this.res as ServerResponse).destroy();
  }

  private end(): void {
    if (this.downstreamClosed) return;
    this.downstreamClosed = true;
    const h2 = this.h2Stream;
    const rstCode = h2?.rstCode;
    let outcome: StreamOutcome;
    if (this.failure) outcome = 'upstream-error';
    else if (this.responseEnded && (h2 ? rstCode === NGHTTP2_NO_ERROR : (this.res as ServerResponse).writableFinished)) outcome = 'completed';
    else if (this.idleFor === undefined && (!h2 || rstCode === NGHTTP2_CANCEL)) outcome = 'cancelled-by-client';
    else outcome = 'reset';
    if (outcome !== 'completed' && outcome !== 'upstream-error') {
      // Nothing more goes into the closed response; then the upstream side is let go.
      this.responseBody?.detach();
      this.cancelUpstream?.();
    }
    this.cancelUpstream = undefined;
    const { start } = this;
    // Spelled out: an object spread here cost tens of µs per stream (V8 slow path) on Node 20.
    const record: StreamEndRecord = {
      connectionId: start.connectionId,
      streamId: start.streamId,
      protocol: start.protocol,
      method: start.method,
      path: start.path,
      status: this.status,
      bytesIn: this.bytesIn + (this.requestBody?.bytes ?? 0),
      bytesOut: this.responseBody?.bytes ?? 0,
      durationMs: Math.round((performance.now() - this.startedAt) * 1000) / 1000,
      outcome,
      rstCode: rstCode !== undefined && rstCode !== NGHTTP2_NO_ERROR ? rstCode : undefined,
      upstreamId: this.upstreamId,
      attempts: this.attempts,
      error: this.failure?.message ?? (this.idleFor === undefined ? undefined : `downstream idle for ${this.idleFor} ms`),
    };
    this.events.emit('stream-end', record);
    this.logger.info(record, 'stream end');
  }
}
