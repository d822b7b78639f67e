/**
 * One request through the proxy: a downstream exchange (an HTTP/2 stream through Node's core API,
 * or an HTTP/1.1 request/response) and its upstream attempts.
 *
 * HTTP/2 is the front's DownstreamBridge, driven by calls and callbacks: no Node stream per
 * request (a Duplex and its listeners cost ~1.3 KB and several µs per small request). The HTTP/1.1
 * upstream paths, which pump Node streams, get one made over the bridge when they ask for `body`
 * or `sink` (engine-stream.ts).
 *
 * Lifecycle — owner: the forwarder (proxy/forward.ts) that creates it in the front's request
 * handler. It lives until the downstream response closes (`res` 'close', the bridge's exchangeClosed), and ends there, in
 * end(), exactly once: the session's outcome decided, the upstream side let go. Its record follows
 * in report(), exactly once: at once, or — when the connection has a delivery ledger (the frame
 * path) — once the link has written or dropped every frame of the stream, so that the bytes,
 * duration and outcome logged are what reached the client's socket.
 *   - The downstream closing first (client RST_STREAM / disconnect) aborts the live upstream
 *     attempt through `cancelUpstream` (RST_STREAM(CANCEL) upstream, or the HTTP/1.1 socket
 *     destroyed) — that attempt and nothing else.
 *   - An upstream failure goes through onError(): a 502/504 if no response headers went out yet,
 *     otherwise RST_STREAM(INTERNAL_ERROR) on this one downstream stream (HTTP/1.1: the
 *     connection is cut, the only way to tell the client the body is incomplete).
 */
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { RequestHead } from '../h2/proto/header-validation.js';
import type { ConnectionInfo, DeliveryListener, StreamDelivery } from './connection-wrapper.js';
import type { BridgeExchange, DownstreamBridge, ResponseDrainListener } from './downstream-bridge.js';
import { keepable } from '../h2/frame/read-buffers.js';
import { EngineStream, requestHeaders } from './engine-stream.js';
import { headersOf } from './field-list.js';
import type { ClientFacts } from './headers.js';
import { bridgePump, pumpTo, type Pump, type WritePump } from './pump.js';
import type { ProxyEvents, StreamEndRecord, StreamOutcome, StreamStartRecord } from './events.js';
import { ErrorCode } from '../h2/frame/constants.js';
import { UpstreamError } from './upstream/errors.js';

export type DownstreamRequest = IncomingMessage;
export type DownstreamResponse = ServerResponse;

/** A downstream HTTP/2 stream: one of h2race's engine, through its bridge. */
export type DownstreamH2Stream = DownstreamBridge;

/**
 * What a front hands the forwarder: an HTTP/2 stream (its head as the engine decoded it on it), or
 * an HTTP/1.1 request/response.
 */
export type DownstreamExchange = DownstreamH2Stream | { req: IncomingMessage; res: ServerResponse };

/** An upstream attempt as its stream sees it: what aborts it (or withdraws it from a pool queue). */
export interface UpstreamAttempt {
  cancel(): void;
}

/**
 * Where the downstream side of a proxied stream is: its response still being made, ended by the
 * proxy (all of it handed to the downstream side), or the downstream stream closed (end()).
 */
const StreamPhase = {
  Open: 0,
  ResponseEnded: 1,
  Closed: 2,
} as const;
type StreamPhase = (typeof StreamPhase)[keyof typeof StreamPhase];

/**
 * How an upstream attempt (forward-h1.ts, forward-h2.ts, forward-connect.ts) drives its stream:
 * it reports what the origin did through the on* callbacks, as undici's dispatch handlers do, and
 * tells the stream about its own lifecycle through the rest; nothing else of the stream changes.
 */
export class ProxiedStream implements BridgeExchange, ClientFacts, DeliveryListener {
  readonly start: StreamStartRecord;
  readonly startedAt = performance.now();
  /** The downstream HTTP/2 stream, or undefined on HTTP/1.1. */
  readonly h2Stream: DownstreamH2Stream | undefined;
  /** HTTP/2: the request head as the engine decoded it (flat fields: what an HTTP/2 upstream forwards). */
  readonly requestHead: RequestHead | undefined;
  /** The request's fields as a header object and a raw list; on HTTP/2 made when first asked for. */
  private requestFields?: { headers: IncomingHttpHeaders; rawHeaders: string[] };
  private phase: StreamPhase = StreamPhase.Open;
  private status?: number;
  /** Moves the request body to the current upstream attempt. */
  private requestBody?: Pump;
  /** Moves the response body downstream once the response headers are out. */
  private responseBody?: Pump;
  private attemptCount = 0;
  private upstreamId?: number;
  /** The live upstream attempt (cancel() aborts it, or withdraws it from a pool queue). */
  private liveAttempt?: UpstreamAttempt;
  /** The HTTP/1.1 exchange's request/response pair. */
  private pair?: { req: IncomingMessage; res: ServerResponse };
  /** HTTP/2: the bridge as a Node stream, made when an HTTP/1.1 upstream path asks for one. */
  private duplex?: EngineStream;
  /** HTTP/1.1: the response's drain listener (onBodyDrain). */
  private drainListener?: () => void;
  private failure?: Error;
  /** Set when the downstream idle timeout closed the stream. */
  private idleFor?: number;
  /** From end() for report(): how the session saw the stream end, and when (its RST_STREAM code stays the bridge's). */
  private sessionOutcome: StreamOutcome = 'completed';
  private closedAt = 0;

  constructor(
    exchange: DownstreamExchange,
    readonly connection: ConnectionInfo,
    streamId: number,
    private readonly events: ProxyEvents,
    private readonly logger: Logger,
  ) {
    if ('req' in exchange) {
      this.h2Stream = undefined;
      this.pair = exchange;
      this.requestFields = { headers: exchange.req.headers, rawHeaders: exchange.req.rawHeaders };
      exchange.res.once('close', () => this.end());
      this.start = new StreamStart(connection.id, streamId, 'http/1.1', exchange.req.method ?? 'GET', exchange.req.url ?? '/');
    } else {
      this.h2Stream = exchange;
      this.requestHead = exchange.head;
      exchange.exchange = this;
      this.start = new StreamStart(connection.id, streamId, 'h2', exchange.head.method, exchange.head.path);
      connection.delivery?.open(streamId);
    }
    events.emit('stream-start', this.start);
  }

  /** The request's header fields as received (pseudo-headers included on HTTP/2), as Node's header object. */
  get headers(): IncomingHttpHeaders {
    return (this.requestFields ??= requestHeaders(this.requestHead!)).headers;
  }

  /** The same as a raw [name, value, ...] list. */
  get rawHeaders(): string[] {
    return (this.requestFields ??= requestHeaders(this.requestHead!)).rawHeaders;
  }

  // ClientFacts (headers.ts): the client as the origin is told of it, read where it is kept.

  get remoteAddress(): string | undefined {
    return this.connection.remoteAddress;
  }

  get tls(): boolean {
    return this.connection.tls;
  }

  get httpVersion(): '2' | '1.1' {
    return this.h2Stream ? '2' : '1.1';
  }

  /** The engine checks trailer fields as it sends them: bad ones are dropped, the body still ends. */
  private trailersDropped(err: Error): void {
    this.logger.debug({ connectionId: this.start.connectionId, streamId: this.start.streamId, err: err.message }, 'origin trailers dropped');
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** The downstream stream closed (the client went away, or the exchange is over). */
  get downstreamClosed(): boolean {
    return this.phase === StreamPhase.Closed;
  }

  /** Upstream attempts made so far. */
  get attempts(): number {
    return this.attemptCount;
  }

  // ── the upstream side's lifecycle ──────────────────────────────────────────────────────

  /** A new upstream attempt starts; its cancel() aborts it (or withdraws it from a pool queue). */
  attemptStarted(attempt: UpstreamAttempt): void {
    this.attemptCount++;
    this.liveAttempt = attempt;
  }

  /** The attempt that a cancel now aborts (undefined: nothing to abort right now). */
  cancelWith(attempt: UpstreamAttempt | undefined): void {
    this.liveAttempt = attempt;
  }

  /** The attempt got its upstream connection (the id the stream-end record names). */
  upstreamAssigned(id: number | undefined): void {
    this.upstreamId = id;
  }

  /** `pump` moves the request body to the current attempt (its bytes are the record's bytesIn). */
  requestBodyMoving<P extends Pump>(pump: P): P {
    this.requestBody = pump;
    return pump;
  }

  /** `pump` moves the response body downstream; detached when the downstream stream closes first. */
  responseBodyMoving(pump: Pump): void {
    this.responseBody = pump;
  }

  /** The request body as a Node stream (for the HTTP/1.1 upstream paths). */
  get body(): Readable {
    return this.pair ? this.pair.req : this.nodeStream();
  }

  /** Where the response body goes, as a Node stream (for the HTTP/1.1 upstream paths). */
  get sink(): Writable {
    return this.pair ? this.pair.res : this.nodeStream();
  }

  private nodeStream(): EngineStream {
    return (this.duplex ??= new EngineStream(this.h2Stream!));
  }

  /**
   * Moves the request body to `write` (false: full, until the returned pump's drained()), then
   * calls `onEnd`; its bytes are the record's bytesIn. By callback on HTTP/2, no Node stream.
   */
  pumpRequestBody(write: (chunk: Buffer) => boolean, onEnd: () => void): WritePump {
    const h2 = this.h2Stream;
    return this.requestBodyMoving(h2 ? bridgePump(h2, write, onEnd) : pumpTo(this.pair!.req, write, onEnd));
  }

  /** The request body ended (all of it read): nothing more of it will come. */
  get requestBodyEnded(): boolean {
    return this.h2Stream ? this.h2Stream.requestEnded : this.pair!.req.readableEnded;
  }

  /** The rest of the request body is read and dropped (the origin stopped reading it), so the client can finish. */
  discardRequestBody(): void {
    if (this.h2Stream) this.h2Stream.discardBody();
    else this.pair!.req.resume();
  }

  /**
   * Response body bytes; false: full, the drain listener (onBodyDrain) says when it takes more.
   * HTTP/1.1's response keeps what it is given and cannot hold a reused read's view (read-buffers.ts): it gets a copy.
   */
  writeBody(chunk: Buffer): boolean {
    return this.h2Stream ? this.h2Stream.write(chunk) : this.pair!.res.write(keepable(chunk));
  }

  /** Who hears the response side drain after writeBody() said full (undefined: nobody). */
  onBodyDrain(listener: ResponseDrainListener | undefined): void {
    const h2 = this.h2Stream;
    if (h2) return h2.onResponseDrain(listener);
    const { res } = this.pair!;
    if (this.drainListener) res.off('drain', this.drainListener);
    // A closure only on HTTP/1.1, for the response's 'drain' event.
    this.drainListener = listener && (() => listener.responseDrained());
    if (this.drainListener) res.on('drain', this.drainListener);
  }

  get headersSent(): boolean {
    return this.pair ? this.pair.res.headersSent : this.h2Stream!.headersSent;
  }

  /**
   * The client's request trailers (once the request body has ended): on HTTP/2 the stream's
   * 'trailers' event's, caught here.
   */
  get requestTrailers(): IncomingHttpHeaders | undefined {
    return this.h2Stream ? this.h2Stream.requestTrailers : this.pair!.req.trailers;
  }

  /**
   * `endStream`: the head is the whole response (HTTP/2 only). It then goes out as one HEADERS
   * frame with END_STREAM, as the origin sent it: gRPC's Trailers-Only form, whose status a gRPC
   * client reads only there (HEADERS then an empty DATA END_STREAM is "closed without trailers").
   */
  private writeHead(status: number, headers: OutgoingHttpHeaders, endStream = false): void {
    this.headStarts(status, endStream);
    if (this.pair) this.pair.res.writeHead(status, headers);
    else {
      headers[':status'] = status;
      this.h2Stream!.respond(headers, endStream);
    }
  }

  private headStarts(status: number, endStream: boolean): void {
    this.status = status;
    // The head is the whole response: it is ended here (the engine's stream may close before the upstream's 'end').
    if (endStream) this.responseEnded();
  }

  /**
   * The origin's response head, sent downstream. Node validates it (and throws); an origin's head
   * it refuses fails this stream with 502 — a throw in an event handler would end the process.
   */
  onHead(status: number, headers: OutgoingHttpHeaders, endStream = false): boolean {
    try {
      this.writeHead(status, headers, endStream);
      return true;
    } catch (err) {
      return this.headRefused(err as Error);
    }
  }

  /**
   * onHead() with the head as flat fields (an HTTP/2 origin's): to an HTTP/2 client they go as
   * they are, with no header object made (the engine validates them, and throws as Node does).
   */
  onHeadFields(status: number, fields: string[], endStream: boolean): boolean {
    if (this.pair) return this.onHead(status, headersOf(fields), endStream);
    try {
      this.headStarts(status, endStream);
      this.h2Stream!.respondFields(status, fields, endStream);
      return true;
    } catch (err) {
      return this.headRefused(err as Error);
    }
  }

  private headRefused(err: Error): false {
    this.onError(new UpstreamError('protocol', `origin response head refused: ${err.message}`));
    return false;
  }

  /** The origin's response ended: the downstream one ends after the body, trailers (if any, and valid) first. */
  onEnd(trailers: OutgoingHttpHeaders | undefined): void {
    this.responseEnded();
    if (!this.pair) return this.endH2(trailers);
    if (trailers) {
      try {
        this.pair.res.addTrailers(trailers);
      } catch (err) {
        this.logger.debug({ connectionId: this.start.connectionId, streamId: this.start.streamId, err: (err as Error).message }, 'origin trailers dropped');
      }
    }
    this.pair.res.end();
  }

  /** An interim response of the origin's, relayed: 100 Continue, or 103 Early Hints (needs a link header). */
  onInformational(status: number, headers: OutgoingHttpHeaders): void {
    if (this.downstreamClosed || this.headersSent) return;
    try {
      if (this.pair) {
        if (status === 100) this.pair.res.writeContinue();
        else if (status === 103 && headers.link !== undefined) {
          this.pair.res.writeEarlyHints(headers as Record<string, string | string[]>);
        }
      } else if (status === 100 || (status === 103 && headers.link !== undefined)) {
        this.h2Stream!.respond(status === 100 ? { ':status': 100 } : { ...headers, ':status': status }, false);
      }
    } catch (err) {
      this.logger.debug({ connectionId: this.start.connectionId, streamId: this.start.streamId, err: (err as Error).message }, 'interim response dropped');
    }
  }

  /** Answers the request itself (nothing goes upstream). */
  refuse(status: number, reason: string): void {
    this.responseEnded();
    this.answer(status, `h2race: ${reason}\n`, {});
  }

  /** No bytes moved on the downstream stream for `ms`: close it, which cancels its upstream. */
  idleTimeout(ms: number): void {
    if (this.downstreamClosed) return;
    this.idleFor = ms;
    this.h2Stream?.close(ErrorCode.CANCEL);
  }

  /** The upstream attempt failed for good (see the lifecycle above). */
  onError(err: Error): void {
    if (this.downstreamClosed || this.failure) return;
    this.failure = err;
    this.liveAttempt?.cancel();
    this.liveAttempt = undefined;
    if (!this.headersSent) {
      const status = err instanceof UpstreamError ? err.status : 502;
      this.answer(status, `h2race: ${err.message}\n`, { 'x-h2race-error': err instanceof UpstreamError ? err.failure : 'proxy' });
      return;
    }
    const h2 = this.h2Stream;
    if (h2) h2.close(ErrorCode.INTERNAL_ERROR);
    else this.pair!.res.destroy();
  }

  /** A short text response of the proxy's own. */
  private answer(status: number, body: string, headers: OutgoingHttpHeaders): void {
    const h2 = this.h2Stream;
    if (h2?.closed) return;
    this.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
    if (this.pair) this.pair.res.end(body);
    else this.endH2(undefined, body);
  }

  /** Ends the HTTP/2 response body (a HEAD, 204 or 304 response was ended by respond() itself). */
  private endH2(trailers: OutgoingHttpHeaders | undefined, body?: string): void {
    const h2 = this.h2Stream!;
    const duplex = this.duplex;
    if (h2.writableEnded || h2.closed || duplex?.writableEnded) return;
    const bytes = body !== undefined && this.start.method !== 'HEAD' ? Buffer.from(body) : undefined;
    // Bytes an HTTP/1.1 path wrote into the Node stream go first: it ends the body after them.
    if (duplex) {
      if (bytes) duplex.write(bytes);
      // A closure only here (an HTTP/1.1 path's end), not one made with every stream.
      return duplex.endWith(trailers, (err) => this.trailersDropped(err));
    }
    if (bytes) h2.write(bytes);
    const dropped = h2.end(trailers);
    if (dropped) this.trailersDropped(dropped);
  }

  private responseEnded(): void {
    if (this.phase === StreamPhase.Open) this.phase = StreamPhase.ResponseEnded;
  }

  /** The bridge's end (BridgeExchange). */
  exchangeClosed(): void {
    this.end();
  }

  private end(): void {
    if (this.phase === StreamPhase.Closed) return;
    const responseEnded = this.phase === StreamPhase.ResponseEnded;
    this.phase = StreamPhase.Closed;
    this.closedAt = performance.now();
    const h2 = this.h2Stream;
    const rstCode = h2?.rstCode;
    let outcome: StreamOutcome;
    if (this.failure) outcome = 'upstream-error';
    else if (responseEnded && (h2 ? rstCode === ErrorCode.NO_ERROR : this.pair!.res.writableFinished)) outcome = 'completed';
    else if (this.idleFor === undefined && (!h2 || rstCode === ErrorCode.CANCEL)) outcome = 'cancelled-by-client';
    else outcome = 'reset';
    // Nothing more goes into the closed response, whatever the outcome: detaching is where the
    // upstream attempt ends (an HTTP/2 attempt pays the credit it still owes the origin there — a
    // stream that closed with its last bytes sent hears no drain that would pay it).
    this.responseBody?.detach();
    if (outcome !== 'completed' && outcome !== 'upstream-error') this.liveAttempt?.cancel();
    this.liveAttempt = undefined;
    this.duplex?.destroy();
    this.sessionOutcome = outcome;
    const ledger = h2 && this.connection.delivery;
    if (ledger) ledger.whenSettled(this.start.streamId, this);
    else this.report(undefined);
  }

  /** The ledger's answer (DeliveryListener): every frame of the stream was written or dropped. */
  delivered(delivery: StreamDelivery): void {
    this.report(delivery);
  }

  /** The stream-end record: bytes and duration are the socket's when `delivery` tells them. */
  private report(delivery: StreamDelivery | undefined): void {
    const { sessionOutcome, closedAt } = this;
    const rstCode = this.h2Stream?.rstCode;
    // Nobody to tell (no listener, the log above info, as in the bench): no record is built.
    if (this.events.listenerCount('stream-end') === 0 && !this.logger.isLevelEnabled('info')) return;
    const { start } = this;
    const outcome = delivery ? deliveredOutcome(sessionOutcome, delivery) : sessionOutcome;
    const endAt = Math.max(closedAt, delivery?.lastWriteAt ?? closedAt);
    let error = this.failure?.message ?? (this.idleFor === undefined ? undefined : `downstream idle for ${this.idleFor} ms`);
    if (outcome === 'reset' && sessionOutcome === 'completed') error = 'the connection ended before the end of the response was written to it';
    // Spelled out: an object spread here cost tens of µs per stream (V8 slow path) on Node 20.
    const record: StreamEndRecord = {
      connectionId: start.connectionId,
      streamId: start.streamId,
      protocol: start.protocol,
      method: start.method,
      path: start.path,
      status: this.status,
      bytesIn: this.requestBody?.bytes ?? 0,
      bytesOut: delivery ? delivery.bodyBytes : this.responseBody?.bytes ?? 0,
      durationMs: Math.round((endAt - this.startedAt) * 1000) / 1000,
      outcome,
      rstCode: rstCode !== undefined && rstCode !== ErrorCode.NO_ERROR ? rstCode : undefined,
      upstreamId: this.upstreamId,
      attempts: this.attemptCount,
      error,
    };
    this.events.emit('stream-end', record);
    this.logger.info(record, 'stream end');
  }
}

/** The stream-start record: a class, not an object literal per stream (proxy/forward.ts says why). */
class StreamStart implements StreamStartRecord {
  constructor(
    readonly connectionId: number,
    readonly streamId: number,
    readonly protocol: 'h2' | 'http/1.1',
    readonly method: string,
    readonly path: string,
  ) {}
}

/**
 * The session's view of how a stream ended, told by what reached the socket: a response the
 * session finished is complete only once its END_STREAM frame was written, and a cancel of
 * rst_inject's is not the client's.
 */
function deliveredOutcome(outcome: StreamOutcome, delivery: StreamDelivery): StreamOutcome {
  if (outcome === 'completed' && !delivery.endWritten) return delivery.injectedCancel ? 'injected-cancel' : 'reset';
  if (outcome === 'cancelled-by-client' && delivery.injectedCancel) return 'injected-cancel';
  return outcome;
}
