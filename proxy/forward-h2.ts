/**
 * Forwards one ProxiedStream over an HTTP/2 upstream stream taken from an H2Pool: each attempt is
 * one handler of the engine's client stream (callbacks, no stream object of Node's).
 *
 *   client ─request body─▶ ps.pumpRequestBody ─▶ upstream stream.write ··· onDrain resumes the client
 *   origin ─onData─▶ ps.writeBody ─▶ taken: stream.consumed (WINDOW_UPDATE to the origin)
 *                                 └─ full: the credit waits for the downstream side's drain
 *
 * Flow control end to end: the origin gets its window back only for bytes the downstream side
 * took, so a client that stops reading holds at most the upstream stream window here (plus what
 * its own stream buffers); credit owed when the attempt ends goes back then (a reset stream's
 * unconsumed bytes are credited to the connection by the engine).
 *
 * Retries (RFC 9113 §6.8, §8.7): an attempt whose stream the origin never processed — above
 * the last-stream-id of its GOAWAY, or refused with REFUSED_STREAM (the engine's cause
 * 'unprocessed') — is sent again on another session, as long as no request body byte was
 * consumed for it. REFUSED_STREAM is retried once.
 *
 * Per request, the attempt is all there is: it is the request head, the pool's request, the
 * engine's handler, the response timeout's entry (one sweep per forwarder, not a timer per
 * attempt) and the stream's cancel and drain listener, by method; what the requests share (pool,
 * sweep, the HTTP/1.1 fallback) is one H2Upstream per forwarder.
 *
 * Lifecycle of an H2Attempt: made by forwardOverH2() (or a retry), queued in the pool until it has a stream. It ends
 * in `finish()` when the stream failed (retried or failed) or the downstream side let it go
 * (ps.cancelUpstream, or detach() once the downstream stream closed); a response that ended whole
 * waits in Done for that detach, its owed credit paid at the sink's drain or there at the latest
 * (the client holds those bytes until then: paying at once would let the origin send more on the
 * session while they still sit in h2race).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { ErrorCode } from '../h2/frame/constants.js';
import type { ClientHandler, ClientRequestHead, ClientStream } from '../h2/proto/client-connection.js';
import type { ResetCause } from '../h2/proto/stream.js';
import { fieldsOf, fieldValue, headersOf } from './field-list.js';
import { downstreamResponseFields, downstreamResponseHeaders, forwardableTrailers } from './headers.js';
import type { IdleSweep, IdleWatched } from './idle-sweep.js';
import type { ResponseDrainListener } from './downstream-bridge.js';
import type { ProxiedStream, UpstreamAttempt } from './proxied-stream.js';
import type { Pump, WritePump } from './pump.js';
import type { H2Pool, H2StreamRequest, UpstreamH2Session } from './upstream/h2-pool.js';
import { NoConnectProtocolError, OriginNotH2Error, UpstreamError } from './upstream/errors.js';

/** Attempts after GOAWAYs (each on a new session); bounded so a flapping origin cannot loop. */
const MAX_ATTEMPTS = 3;

/** What the requests of one forwarder share. */
export interface H2Upstream {
  pool: H2Pool;
  /**
   * The response timeout (`upstream.responseTimeoutMs`): an attempt sent and without its final
   * response head for the sweep's timeout fails (504); none: no limit.
   */
  responseSweep: IdleSweep | undefined;
  /**
   * The origin turned out not to take this stream over HTTP/2 — it speaks HTTP/1.1 only, or, for
   * an extended CONNECT, it did not enable RFC 8441 — forward it over HTTP/1.1 instead.
   */
  onNotH2?: (ps: ProxiedStream) => void;
}

const AttemptPhase = {
  /** In the pool's queue. */
  Queued: 0,
  /** The request is sent; no final response head yet. */
  Sent: 1,
  /** The head went downstream; the body follows. */
  Responding: 2,
  /** Over: the response ended, the stream failed, or the attempt was let go. */
  Done: 3,
} as const;
type AttemptPhase = (typeof AttemptPhase)[keyof typeof AttemptPhase];

/**
 * Sends `ps` to the origin: `method` and `path` are the request's, `fields` its regular fields as
 * they go upstream, `protocol` an extended CONNECT's.
 */
export function forwardOverH2(
  ps: ProxiedStream,
  upstream: H2Upstream,
  scheme: string,
  authority: string,
  fields: readonly string[],
  hasBody: boolean,
  protocol?: string,
): void {
  new H2Attempt(ps, upstream, ps.start.method, scheme, authority, ps.start.path, fields, protocol, !hasBody, 0).send();
}

/** The request head is the attempt's own (ClientRequestHead): no object of its own per request. */
class H2Attempt implements ClientHandler, ClientRequestHead, Pump, H2StreamRequest, IdleWatched, UpstreamAttempt, ResponseDrainListener {
  private phase: AttemptPhase = AttemptPhase.Queued;
  private stream?: ClientStream;
  private session?: UpstreamH2Session;
  /** Its place in the response sweep (IdleWatched): watched from the request sent until its response head. */
  idleTicks = 0;
  idleSlot = -1;
  private requestBody?: WritePump;
  private trailers?: IncomingHttpHeaders;
  /** Response bytes handed downstream (the count of the ProxiedStream's response body). */
  bytes = 0;
  /** Response bytes the downstream side holds over its high-water mark: credited at its drain. */
  private owed = 0;
  /** The response head's content-length, if it had one. */
  private contentLength?: number;

  /** `refused`: REFUSED_STREAM retries made before this attempt. */
  constructor(
    private readonly ps: ProxiedStream,
    private readonly upstream: H2Upstream,
    readonly method: string,
    readonly scheme: string,
    readonly authority: string,
    readonly path: string,
    readonly fields: readonly string[],
    readonly protocol: string | undefined,
    readonly endStream: boolean,
    private readonly refused: number,
  ) {}

  /** The pool's request (H2StreamRequest) is the attempt itself, its head too. */
  get head(): ClientRequestHead {
    return this;
  }

  get handler(): ClientHandler {
    return this;
  }

  send(): void {
    this.ps.attemptStarted(this);
    this.upstream.pool.request(this);
  }

  /** The same request on another session (RFC 9113 §6.8, §8.7); `refused`: REFUSED_STREAM retries made with it. */
  private retry(refused: number): void {
    new H2Attempt(this.ps, this.upstream, this.method, this.scheme, this.authority, this.path, this.fields, this.protocol, this.endStream, refused).send();
  }

  /** The pool's answer (H2StreamRequest): the request is sent on `stream`, or `err` kept it from going. */
  callback(err: Error | undefined, stream?: ClientStream, session?: UpstreamH2Session): void {
    const { ps, upstream } = this;
    ps.cancelWith(undefined);
    if (err) {
      this.phase = AttemptPhase.Done;
      if ((err instanceof OriginNotH2Error || err instanceof NoConnectProtocolError) && upstream.onNotH2) return upstream.onNotH2(ps);
      return ps.onError(err);
    }
    this.stream = stream!;
    this.session = session!;
    this.phase = AttemptPhase.Sent;
    if (ps.downstreamClosed) return this.abandon();
    ps.upstreamAssigned(session!.id);
    ps.cancelWith(this);
    upstream.responseSweep?.watch(this);
    if (this.endStream) return;
    // A retry after a body-less DATA END_STREAM: nothing left to read.
    if (ps.requestBodyEnded) this.endRequest();
    else this.requestBody = ps.pumpRequestBody((chunk) => stream!.write(chunk), () => this.endRequest());
  };

  /** The request body ended: the client's trailers go with it (the forwardable ones, if valid). */
  private endRequest(): void {
    const stream = this.stream!;
    const trailers = forwardableTrailers(this.ps.requestTrailers);
    try {
      stream.end(trailers && fieldsOf(trailers));
    } catch {
      stream.end(); // the client's trailers were not valid HTTP/2 fields
    }
  }

  // ── the engine's callbacks ─────────────────────────────────────────────────────────────

  onInformational(status: number, fields: string[]): void {
    this.ps.onInformational(status, status === 100 ? {} : downstreamResponseHeaders(headersOf(fields), '2'));
  }

  onResponse(status: number, fields: string[], endStream: boolean): void {
    this.upstream.responseSweep?.unwatch(this);
    const { ps } = this;
    if (this.phase !== AttemptPhase.Sent || ps.downstreamClosed || ps.failed) return;
    this.phase = AttemptPhase.Responding;
    // RFC 9110 §9.3.6: any 2xx to a CONNECT opens the tunnel; the client is told 200 (a 204 or
    // 205 would be a response without content to its HTTP/2 stack, the tunnel's bytes refused).
    const relayed = this.method === 'CONNECT' && status < 300 ? 200 : status;
    const contentLength = fieldValue(fields, 'content-length');
    this.contentLength = contentLength === undefined ? undefined : Number(contentLength);
    if (!ps.onHeadFields(relayed, downstreamResponseFields(fields), endStream)) return;
    ps.responseBodyMoving(this);
    ps.onBodyDrain(this);
  }

  onData(chunk: Buffer): void {
    const n = chunk.length;
    if (this.phase !== AttemptPhase.Responding) return this.stream!.consumed(n);
    this.bytes += n;
    if (this.ps.writeBody(chunk)) return this.stream!.consumed(n);
    this.owed += n;
  }

  onTrailers(fields: string[]): void {
    this.trailers = headersOf(fields);
  }

  onEnd(): void {
    if (this.phase !== AttemptPhase.Responding) return;
    this.phase = AttemptPhase.Done;
    this.ps.onEnd(forwardableTrailers(this.trailers));
  }

  onDrain(): void {
    this.requestBody?.drained();
  }

  onReset(code: number, cause: ResetCause): void {
    this.upstream.responseSweep?.unwatch(this);
    const { ps } = this;
    if (this.phase === AttemptPhase.Done) {
      // The origin answered in full and stopped reading the request (RFC 9113 §8.1). The rest of
      // the body goes nowhere: read and drop it, or the client, out of window, never finishes
      // sending and its stream never closes.
      if (this.requestBody && !ps.requestBodyEnded) {
        this.requestBody.detach();
        ps.discardRequestBody();
      }
      return;
    }
    const responded = this.phase === AttemptPhase.Responding;
    // A node:http2 origin sends RST_STREAM(NO_ERROR) ahead of the END_STREAM its connection window
    // holds back (its RST_STREAM does not wait for flow-controlled DATA): with every byte of the
    // content-length in, the response is whole, not failed.
    if (responded && code === ErrorCode.NO_ERROR && this.bytes === this.contentLength) {
      this.onEnd();
      return this.finish();
    }
    this.finish();
    if (ps.downstreamClosed || ps.failed) return;
    const retryable = !responded && cause === 'unprocessed' && (this.requestBody === undefined || this.requestBody.bytes === 0);
    const refused = this.refusedByOrigin(code);
    if (retryable && ps.attempts < MAX_ATTEMPTS && (!refused || this.refused < 1)) {
      return this.retry(this.refused + (refused ? 1 : 0));
    }
    ps.onError(new UpstreamError(
      cause === 'connection' ? 'connection-lost' : cause === 'protocol' ? 'protocol' : 'stream-reset',
      cause === 'unprocessed' ? this.notReplayed(code) : responded
        ? `origin stream ended early (RST_STREAM code ${code})`
        : `origin stream closed before a response (RST_STREAM code ${code})`,
    ));
  }

  /** REFUSED_STREAM on its own (RFC 9113 §8.7), not the unprocessed streams of a GOAWAY: retried once only. */
  private refusedByOrigin(code: number): boolean {
    return code === ErrorCode.REFUSED_STREAM && this.session!.goawayLastStreamId === undefined;
  }

  /** Why a stream the origin did not process is not sent again. */
  private notReplayed(code: number): string {
    const why = this.refusedByOrigin(code)
      ? 'origin refused the stream (REFUSED_STREAM)'
      : `origin did not process the stream (GOAWAY, code ${code})`;
    const sent = this.requestBody?.bytes ?? 0;
    return sent > 0 ? `${why}; not sent again: ${sent} request body bytes were already consumed` : `${why} ${this.ps.attempts} times`;
  }

  // ── Pump (the ProxiedStream's response body) and the downstream side's end ───────────────────────────────

  /** The downstream response is closed: nothing more goes into it (the stream is cancelled next). */
  detach(): void {
    this.finish();
  }

  /** The ProxiedStream's cancel (UpstreamAttempt): out of the pool's queue while the attempt waits there, else abandon(). */
  cancel(): void {
    if (this.stream) this.abandon();
    else this.upstream.pool.withdraw(this);
  }

  /** RST_STREAM(CANCEL) unless the stream is over. */
  private abandon(): void {
    this.finish();
    this.stream!.reset(ErrorCode.CANCEL);
  }

  /** The response sweep's call (IdleWatched): no final response head within the timeout. */
  idleFired(): void {
    this.ps.onError(new UpstreamError('response-timeout', `origin sent no response headers within ${this.upstream.responseSweep!.timeoutMs} ms`));
  }

  /** The downstream side took more (ResponseDrainListener): the credit owed goes to the origin. */
  responseDrained(): void {
    const owed = this.owed;
    if (owed === 0) return;
    this.owed = 0;
    this.stream!.consumed(owed);
  }

  /** The one place an attempt ends: out of the response sweep, request body let go, owed credit paid. */
  private finish(): void {
    if (this.phase === AttemptPhase.Responding) this.ps.onBodyDrain(undefined);
    this.phase = AttemptPhase.Done;
    this.upstream.responseSweep?.unwatch(this);
    this.requestBody?.detach();
    this.responseDrained();
  }
}
