/**
 * HTTP/2 sessions to one origin (https:// with ALPN h2, or h2c:// by prior knowledge), each one a
 * connection of h2race's engine in the client role (h2/proto/client-connection.ts) over the
 * upstream link.
 *
 *   request ─▶ [queue] ─▶ session with a free stream slot (origin's MAX_CONCURRENT_STREAMS)
 *                          └─ none and fewer than maxSessions live → connect another
 *
 * Lifecycle of an UpstreamH2Session (owner: this pool): created by openSession() and counted
 * toward maxSessions from that moment; Ready on the origin's first SETTINGS; takes streams while
 * Ready; Draining after the origin's GOAWAY, the idle timeout or the pool's close (the engine's
 * graceful close: no new streams, the connection ends once its streams are done, lingering on
 * its socket). It leaves the pool in one place, `ended()`: the connection closed, or failed
 * before it was ready (connect, ALPN, setup), or the pool closed before it had a connection.
 * A stream's slot frees when the engine closes the stream (its onAvailable).
 */
import { connectSocket } from '../../h2/client.js';
import { bugModelOptions, type BugModel } from '../../h2/proto/bug-models/catalogue.js';
import type { ClientConnection, ClientHandler, ClientRequestHead, ClientStream } from '../../h2/proto/client-connection.js';
import type { LingerPolicy } from '../../h2/proto/lingering-close.js';
import type { Http2SettingsConfig } from '../../config/proxy-schema.js';
import { engineSettings } from '../engine-settings.js';
import { ConnectionEnding } from '../connection-ending.js';
import type { ConnectionEndReason } from '../events.js';
import { ReadBuffers } from '../../h2/frame/read-buffers.js';
import { connectFor, type UpstreamConnectionOptions, type UpstreamTransport } from './connect.js';
import { NoConnectProtocolError, OriginNotH2Error, UpstreamError, connectError } from './errors.js';

/** Assumed stream capacity of a session whose SETTINGS have not arrived (avoids a connect storm). */
const ASSUMED_CAPACITY = 100;
/** Pause before another connect after one failed while other sessions are alive. */
const CONNECT_RETRY_MS = 500;
/**
 * No rapid-reset cap on the origin's RST_STREAMs: it can only end streams h2race opened (clients'
 * pace, capped at the front), and a node:http2 origin whose send window is short ends every
 * response with one (RST_STREAM(NO_ERROR) ahead of its END_STREAM) — hundreds a second.
 */
const ORIGIN_RESETS = { perSecond: Infinity, burst: Infinity };

export interface H2PoolOptions extends UpstreamConnectionOptions {
  settings: Http2SettingsConfig;
  connectionWindowSize: number;
  maxSessions: number;
  maxQueued: number;
  /** How an upstream socket ends after h2race's last frame (its lingering close). */
  linger?: Partial<LingerPolicy>;
  /** The engine bug models switched on (README, "The catalogue"): window-leak-on-reset acts here, on DATA of the streams h2race reset upstream. */
  bugModels: readonly BugModel[];
}

export const SessionPhase = {
  /** TCP, TLS and the origin's first SETTINGS on their way. */
  Connecting: 0,
  /** Takes streams up to the origin's MAX_CONCURRENT_STREAMS. */
  Ready: 1,
  /** Takes no more streams; ends once those it carries are done. */
  Draining: 2,
  /** Out of the pool. */
  Ended: 3,
} as const;
export type SessionPhase = (typeof SessionPhase)[keyof typeof SessionPhase];

export interface UpstreamH2Session {
  /** The upstream connection id (the one given to the link). */
  id: number;
  phase: SessionPhase;
  connection?: ClientConnection;
  /** Reports its GOAWAYs and, if h2race ends it, why (made with the connection). */
  ending?: ConnectionEnding;
  /** From the origin's GOAWAY: streams above it were never processed (RFC 9113 §6.8). */
  goawayLastStreamId?: number;
  idleTimer?: NodeJS.Timeout;
}

export interface H2StreamRequest {
  head: ClientRequestHead;
  /** No request body: END_STREAM on the HEADERS. */
  endStream: boolean;
  /** Hears the response (the engine's callbacks) once the request is sent. */
  handler: ClientHandler;
  /** Called once: with the stream just sent, or with the error that kept the request from being sent. */
  callback(err: Error | undefined, stream?: ClientStream, session?: UpstreamH2Session): void;
}

export class H2Pool {
  /** What the sessions' sockets read into: an h2c origin's always, a TLS origin's when no link goes under it (connect.ts). */
  readonly readBuffers = new ReadBuffers();
  private readonly sessions = new Set<UpstreamH2Session>();
  private readonly queue: H2StreamRequest[] = [];
  private closed = false;
  /** Set after a failed connect while other sessions live: no new connect until it fires. */
  private retryTimer?: NodeJS.Timeout;
  /** close()'s wait, ended when the last session leaves the pool. */
  private onEmpty?: () => void;
  /** Set once an https:// origin answered ALPN without h2: the pool refuses from then on. */
  private notH2?: OriginNotH2Error;

  constructor(private readonly opts: H2PoolOptions) {}

  /** The origin answered ALPN without h2: its requests go over HTTP/1.1 from then on (OriginUpstream.usesH1). */
  get answeredWithoutH2(): boolean {
    return this.notH2 !== undefined;
  }

  request(req: H2StreamRequest): void {
    if (this.closed) return req.callback(new UpstreamError('connection-lost', 'proxy is shutting down'));
    if (this.notH2) return req.callback(this.notH2);
    const target = this.queue.length === 0 ? this.freeSession() : undefined;
    if (target) return this.dispatch(target, req);
    if (this.queue.length >= this.opts.maxQueued) {
      return req.callback(new UpstreamError('queue-full', `${this.queue.length} requests already wait for origin ${this.opts.origin.host}`));
    }
    this.queue.push(req);
    this.pump();
  }

  /** Takes a request out of the queue if it still waits (the client went away). */
  withdraw(req: H2StreamRequest): boolean {
    const i = this.queue.indexOf(req);
    if (i < 0) return false;
    this.queue.splice(i, 1);
    return true;
  }

  /**
   * Graceful: no new streams; sessions send GOAWAY and close once their streams are done.
   * Resolves when every session has closed; those still open after `timeoutMs` are destroyed.
   */
  async close(timeoutMs: number): Promise<void> {
    this.closed = true;
    this.failQueue(new UpstreamError('connection-lost', 'proxy is shutting down'));
    for (const s of this.sessions) this.drain(s, 'shutdown');
    if (this.sessions.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.onEmpty = resolve;
        timer = setTimeout(resolve, timeoutMs);
      });
      clearTimeout(timer);
    }
    this.destroy();
  }

  destroy(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.failQueue(new UpstreamError('connection-lost', 'proxy is shutting down'));
    for (const s of this.sessions) {
      if (!s.connection) this.ended(s);
      // Its GOAWAY (NO_ERROR) ends a Ready session for shutdown, as a graceful close would.
      else s.connection.destroy();
    }
  }

  private freeSession(): UpstreamH2Session | undefined {
    for (const s of this.sessions) {
      if (s.phase === SessionPhase.Ready && s.connection!.canRequest) return s;
    }
    return undefined;
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const s = this.freeSession();
      if (!s) break;
      this.dispatch(s, this.queue.shift()!);
    }
    if (this.queue.length === 0 || this.closed || this.notH2) return;
    let pendingCapacity = 0;
    for (const s of this.sessions) if (s.phase === SessionPhase.Connecting) pendingCapacity += ASSUMED_CAPACITY;
    if (pendingCapacity < this.queue.length && this.sessions.size < this.opts.maxSessions && !this.retryTimer) this.openSession();
  }

  private dispatch(s: UpstreamH2Session, req: H2StreamRequest): void {
    // A session is Ready once the origin's SETTINGS arrived: whether it takes RFC 8441 is known.
    if (req.head.protocol !== undefined && !s.connection!.peerSettings.enableConnectProtocol) {
      return req.callback(new NoConnectProtocolError(`origin ${this.opts.origin.host} has not enabled extended CONNECT (no SETTINGS_ENABLE_CONNECT_PROTOCOL in its HTTP/2 SETTINGS): it takes no :protocol ${req.head.protocol} stream`));
    }
    let stream: ClientStream;
    try {
      stream = s.connection!.request(req.head, req.handler, { endStream: req.endStream });
    } catch (err) {
      return req.callback(new UpstreamError('protocol', `cannot send the request upstream: ${(err as Error).message}`, err));
    }
    if (s.idleTimer) {
      clearTimeout(s.idleTimer);
      s.idleTimer = undefined;
    }
    req.callback(undefined, stream, s);
  }

  /** A stream slot freed (or the origin's SETTINGS raised the limit): the queue moves; a session left with no stream starts its idle clock. */
  private available(s: UpstreamH2Session): void {
    if (s.phase !== SessionPhase.Ready) return;
    if (s.connection!.activeStreams === 0 && !s.idleTimer) {
      s.idleTimer = setTimeout(() => this.drain(s, 'idle'), this.opts.idleTimeoutMs).unref();
    }
    this.pump();
  }

  /**
   * h2race ends the session on purpose: its graceful GOAWAY, unless the origin's came first. A
   * session still connecting carries no stream: it is let go at once.
   */
  private drain(s: UpstreamH2Session, reason: ConnectionEndReason): void {
    clearTimeout(s.idleTimer);
    s.idleTimer = undefined;
    if (s.phase === SessionPhase.Connecting) {
      s.connection?.destroy();
      return this.ended(s);
    }
    if (s.phase !== SessionPhase.Ready) return;
    s.phase = SessionPhase.Draining;
    s.ending!.close(s.connection!, reason);
  }

  private openSession(): void {
    const { opts } = this;
    const s: UpstreamH2Session = { id: 0, phase: SessionPhase.Connecting };
    this.sessions.add(s);
    connectFor(opts, ['h2', 'http/1.1'], this.readBuffers).then(
      (t) => {
        s.id = t.id;
        if (opts.tls && t.alpn !== 'h2') {
          t.stream.destroy();
          this.notH2 = new OriginNotH2Error(t.alpn);
          this.ended(s);
          return this.failQueue(this.notH2);
        }
        if (s.phase !== SessionPhase.Connecting) return void t.stream.destroy();
        this.startSession(s, t);
      },
      (err: unknown) => {
        this.ended(s);
        this.failedBeforeReady(connectError(err, opts.origin));
      },
    );
  }

  private startSession(s: UpstreamH2Session, t: UpstreamTransport): void {
    const { opts } = this;
    const record = { id: s.id, origin: opts.origin.origin, protocol: opts.tls ? 'h2' : 'h2c' } as const;
    /** Why the connection failed, if it did: what its close reports. */
    let failure: Error | undefined;
    t.stream.on('error', (err) => {
      failure ??= err;
    });
    // An origin that accepts the connection but never speaks HTTP/2 must not hold requests forever.
    const ending = new ConnectionEnding('upstream', s.id, opts.events, opts.logger);
    s.ending = ending;
    const settingsTimer = setTimeout(() => {
      setupFailed(new UpstreamError('connect-timeout', `origin ${opts.origin.host} sent no HTTP/2 SETTINGS within ${opts.connectTimeoutMs} ms`));
      connection?.destroy();
    }, opts.connectTimeoutMs);
    /** Why setup failed: the connection's error, or none (the origin closed it). */
    const setupError = (cause: Error | undefined) => cause
      ? new UpstreamError('protocol', `origin ${opts.origin.host} broke HTTP/2 setup: ${cause.message}`, cause)
      : new UpstreamError('connection-lost', `origin ${opts.origin.host} closed the connection during HTTP/2 setup`);
    /** The session could not carry a stream (called while Connecting): it leaves the pool now (its socket's end may linger). */
    const setupFailed = (err: UpstreamError) => {
      clearTimeout(settingsTimer);
      this.ended(s);
      this.failedBeforeReady(err);
    };
    const connection = connectSocket(t.stream, {
      settings: engineSettings(opts.settings),
      connectionWindowSize: opts.connectionWindowSize,
      linger: opts.linger,
      ...bugModelOptions(opts.bugModels),
      floodLimits: { resets: ORIGIN_RESETS },
      onAvailable: () => this.available(s),
      observer: {
        onSettings: () => {
          if (s.phase !== SessionPhase.Connecting) return;
          clearTimeout(settingsTimer);
          s.phase = SessionPhase.Ready;
          opts.events.emit('upstream-session-open', record);
          this.available(s);
        },
        onGoawayReceived: ({ lastStreamId, errorCode }) => {
          s.goawayLastStreamId = lastStreamId;
          if (s.phase === SessionPhase.Ready) s.phase = SessionPhase.Draining;
          clearTimeout(s.idleTimer);
          ending.received({ lastStreamId, errorCode });
          this.pump();
        },
        onGoawaySent: (goaway) => ending.sent(goaway),
        onError: (err) => {
          failure ??= err;
          // The engine failed the connection: during setup its waiters fail now, not at its lingering close.
          if (s.phase === SessionPhase.Connecting) setupFailed(setupError(err));
        },
        onClose: () => {
          clearTimeout(settingsTimer);
          // A client processes no stream of the origin's (it cannot push): its GOAWAYs name none.
          ending.closed(0);
          // Closed during setup with nothing failing it before (the origin hung up).
          if (s.phase === SessionPhase.Connecting) return setupFailed(setupError(failure));
          if (s.phase === SessionPhase.Ended) return;
          this.ended(s);
          opts.events.emit('upstream-session-close', { ...record, error: failure?.message });
          opts.logger.debug({ upstream: s.id, err: failure?.message }, 'upstream session closed');
          this.pump();
        },
      },
    });
    // Undefined only for a socket already destroyed: no observer has run.
    if (!connection) return setupFailed(setupError(undefined));
    s.connection = connection;
  }

  /** The one place a session leaves the pool. */
  private ended(s: UpstreamH2Session): void {
    s.phase = SessionPhase.Ended;
    clearTimeout(s.idleTimer);
    this.sessions.delete(s);
    if (this.sessions.size === 0) this.onEmpty?.();
  }

  /** A session died before it could carry a stream: with no other session coming, fail the waiters. */
  private failedBeforeReady(err: Error): void {
    this.opts.logger.debug({ origin: this.opts.origin.host, err: err.message }, 'upstream connect failed');
    for (const s of this.sessions) {
      if (s.phase !== SessionPhase.Connecting && s.phase !== SessionPhase.Ready) continue;
      // Other sessions will take the queue as they free up; another connect waits a moment so a
      // failing origin does not get a reconnect storm.
      this.retryTimer ??= setTimeout(() => {
        this.retryTimer = undefined;
        this.pump();
      }, CONNECT_RETRY_MS).unref();
      return;
    }
    this.failQueue(err);
  }

  private failQueue(err: Error): void {
    for (const req of this.queue.splice(0)) req.callback(err);
  }
}
