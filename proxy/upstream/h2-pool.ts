/**
 * HTTP/2 sessions to one origin (https:// with ALPN h2, or h2c:// by prior knowledge).
 *
 *   request ─▶ [queue] ─▶ session with a free stream slot (origin's MAX_CONCURRENT_STREAMS)
 *                          └─ none and fewer than maxSessions live → connect another
 *
 * Lifecycle of an UpstreamH2Session (owner: this pool): created by openSession() and counted
 * toward maxSessions from that moment; `ready` on the origin's first SETTINGS; takes streams
 * while ready and not draining; drains on GOAWAY, idle timeout or pool close (no new streams,
 * closes once empty); leaves the pool in forget(), from its session's 'close' handler, or before it
 * has a session when the connect fails, the pool closed meanwhile or the origin refused h2.
 * A stream's slot is freed by the stream's own 'close'.
 */
import * as http2 from 'node:http2';
import type { OutgoingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Http2SettingsConfig } from '../../config/proxy-schema.js';
import { connectFor, type UpstreamConnectionOptions } from './connect.js';
import { OriginNotH2Error, UpstreamError, connectError } from './errors.js';
import { reportConnectionEnd } from '../events.js';

const { NGHTTP2_REFUSED_STREAM } = http2.constants;
/** Assumed stream capacity of a session whose SETTINGS have not arrived (avoids a connect storm). */
const ASSUMED_CAPACITY = 100;
/** Pause before another connect after one failed while other sessions are alive. */
const CONNECT_RETRY_MS = 500;

export interface H2PoolOptions extends UpstreamConnectionOptions {
  settings: Http2SettingsConfig;
  connectionWindowSize: number;
  maxSessionMemoryMiB: number;
  maxSessions: number;
  maxQueued: number;
}

export interface UpstreamH2Session {
  readonly id: number;
  session?: http2.ClientHttp2Session;
  active: number;
  /**
   * The origin's MAX_CONCURRENT_STREAMS, cached from each 'remoteSettings': reading
   * session.remoteSettings builds a fresh object in C++ on every call (a hotspot per request).
   */
  maxStreams: number;
  ready: boolean;
  draining: boolean;
  /** From the origin's GOAWAY: streams above it were never processed (RFC 9113 §6.8). */
  goawayLastStreamId?: number;
  idleTimer?: NodeJS.Timeout;
}

export interface H2StreamRequest {
  headers: OutgoingHttpHeaders;
  endStream: boolean;
  waitForTrailers: boolean;
  /** Called once: with the stream, or with the error that kept the request from being sent. */
  callback(err: Error | undefined, stream?: http2.ClientHttp2Stream, session?: UpstreamH2Session): void;
}

export class H2Pool {
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

  request(req: H2StreamRequest): void {
    if (this.closed) return req.callback(new UpstreamError('connection-lost', 'proxy is shutting down'));
    if (this.notH2) return req.callback(this.notH2);
    const target = this.freeSession();
    if (target && this.queue.length === 0) return this.dispatch(target, req);
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

  /** Whether `stream`, which failed, never reached the origin's application (safe to retry). */
  static unprocessed(stream: http2.ClientHttp2Stream, session: UpstreamH2Session): boolean {
    if (stream.id === undefined) return true;
    if (stream.rstCode === NGHTTP2_REFUSED_STREAM) return true;
    return session.goawayLastStreamId !== undefined && stream.id > session.goawayLastStreamId;
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
    for (const s of this.sessions) s.session?.destroy();
  }

  private capacity(s: UpstreamH2Session): number {
    return s.maxStreams - s.active;
  }

  private freeSession(): UpstreamH2Session | undefined {
    for (const s of this.sessions) {
      if (s.ready && !s.draining && this.capacity(s) > 0) return s;
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
    for (const s of this.sessions) if (!s.ready && !s.draining) pendingCapacity += ASSUMED_CAPACITY;
    if (pendingCapacity < this.queue.length && this.sessions.size < this.opts.maxSessions && !this.retryTimer) this.openSession();
  }

  private dispatch(s: UpstreamH2Session, req: H2StreamRequest): void {
    let stream: http2.ClientHttp2Stream;
    try {
      stream = s.session!.request(req.headers, { endStream: req.endStream, waitForTrailers: req.waitForTrailers });
    } catch (err) {
      return req.callback(new UpstreamError('protocol', `cannot send the request upstream: ${(err as Error).message}`, err));
    }
    s.active++;
    if (s.idleTimer) {
      clearTimeout(s.idleTimer);
      s.idleTimer = undefined;
    }
    stream.once('close', () => {
      s.active--;
      if (s.active === 0) {
        if (s.draining) s.session?.close();
        else if (!s.idleTimer) s.idleTimer = setTimeout(() => this.drain(s, 'idle'), this.opts.idleTimeoutMs).unref();
      }
      this.pump();
    });
    req.callback(undefined, stream, s);
  }

  /** h2race ends the session on purpose (its GOAWAY, unless the origin's came first). */
  private drain(s: UpstreamH2Session, reason: 'idle' | 'shutdown'): void {
    const ours = !s.draining && s.goawayLastStreamId === undefined;
    s.draining = true;
    if (s.idleTimer) clearTimeout(s.idleTimer);
    if (!s.session || s.session.closed) return;
    s.session.close();
    if (!ours || !s.ready) return;
    reportConnectionEnd(this.opts.events, this.opts.logger, { side: 'upstream', id: s.id, reason, code: 0, lastStreamId: s.session.state.lastProcStreamID ?? 0 });
  }

  private openSession(): void {
    const { opts } = this;
    const s: UpstreamH2Session = { id: 0, active: 0, maxStreams: ASSUMED_CAPACITY, ready: false, draining: false };
    this.sessions.add(s);
    connectFor(opts, ['h2', 'http/1.1']).then(
      (t) => {
        (s as { id: number }).id = t.id;
        if (opts.tls && t.alpn !== 'h2') {
          t.stream.destroy();
          this.forget(s);
          this.notH2 = new OriginNotH2Error(t.alpn);
          return this.failQueue(this.notH2);
        }
        if (this.closed) {
          t.stream.destroy();
          this.forget(s);
          return;
        }
        this.startSession(s, t.stream);
      },
      (err: unknown) => {
        this.forget(s);
        this.failedBeforeReady(connectError(err, opts.origin));
      },
    );
  }

  private startSession(s: UpstreamH2Session, transport: Duplex): void {
    const { opts } = this;
    const protocol = opts.tls ? 'h2' : 'h2c';
    const authority = `${opts.tls ? 'https' : 'http'}://${opts.origin.host}`;
    const session = http2.connect(authority, {
      createConnection: () => transport,
      settings: opts.settings,
      maxSessionMemory: opts.maxSessionMemoryMiB,
    });
    s.session = session;
    const record = { id: s.id, origin: opts.origin.origin, protocol } as const;
    let lastError: Error | undefined;
    // An origin that accepts the connection but never speaks HTTP/2 must not hold requests forever.
    let setupError: UpstreamError | undefined;
    const settingsTimer = setTimeout(() => {
      setupError = new UpstreamError('connect-timeout', `origin ${opts.origin.host} sent no HTTP/2 SETTINGS within ${opts.connectTimeoutMs} ms`);
      session.destroy();
    }, opts.connectTimeoutMs);
    session.once('connect', () => {
      if (opts.connectionWindowSize > 65535) session.setLocalWindowSize(opts.connectionWindowSize);
    });
    session.on('remoteSettings', (settings) => {
      s.maxStreams = settings.maxConcurrentStreams ?? ASSUMED_CAPACITY;
      if (s.ready) return this.pump();
      clearTimeout(settingsTimer);
      s.ready = true;
      opts.events.emit('upstream-session-open', record);
      this.pump();
    });
    session.on('goaway', (code, lastStreamId) => {
      s.draining = true;
      s.goawayLastStreamId = lastStreamId;
      opts.events.emit('goaway', { side: 'upstream', id: s.id, code, lastStreamId, received: true });
      this.pump();
    });
    session.on('error', (err) => {
      lastError = err;
    });
    session.once('close', () => {
      clearTimeout(settingsTimer);
      if (s.idleTimer) clearTimeout(s.idleTimer);
      this.forget(s);
      if (s.ready) {
        opts.events.emit('upstream-session-close', { ...record, error: lastError?.message });
        this.pump();
      } else {
        this.failedBeforeReady(setupError ?? (lastError
          ? new UpstreamError('protocol', `origin ${opts.origin.host} broke HTTP/2 setup: ${lastError.message}`, lastError)
          : new UpstreamError('connection-lost', `origin ${opts.origin.host} closed the connection during HTTP/2 setup`)));
      }
      opts.logger.debug({ upstream: s.id, err: lastError?.message }, 'upstream session closed');
    });
  }

  private forget(s: UpstreamH2Session): void {
    this.sessions.delete(s);
    if (this.sessions.size === 0) this.onEmpty?.();
  }

  /** A session died before it could carry a stream: with no other session coming, fail the waiters. */
  private failedBeforeReady(err: Error): void {
    this.opts.logger.debug({ origin: this.opts.origin.host, err: err.message }, 'upstream connect failed');
    for (const s of this.sessions) {
      if (s.draining) continue;
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

