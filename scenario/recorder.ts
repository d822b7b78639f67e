/**
 * Collects everything a run records (types.ts) and turns node:http2 stream events into a
 * StreamRecord's outcome. The close handler in track() is the one place an outcome is decided;
 * result() is the one place failures are attributed (fault.ts), once the relay has reported
 * every frame — our client's own RST_STREAMs reach it only after node closed the stream.
 */
import http2 from 'node:http2';
import { attribute, serverGoawayLimits } from './fault.js';
import type {
  ConnectionRecord,
  GoawayRecord,
  RunRecord,
  ErrorRecord,
  SseCounters,
  StreamKind,
  StreamRecord,
} from './types.js';

/** What the close handler needs to know about the stream's connection. */
export interface StreamConnection {
  readonly record: ConnectionRecord;
  /** Set when the connection started dying (client/server GOAWAY with an error, socket closed). */
  readonly deathReason: string | undefined;
  /** The lowest last-stream-id of the server's graceful GOAWAYs (NO_ERROR) on it, if any came. */
  readonly gracefulLastStreamId: number | undefined;
}

export class RunRecorder {
  private readonly t0 = performance.now();
  readonly startedAt = new Date().toISOString();
  readonly streams: StreamRecord[] = [];
  readonly connections: ConnectionRecord[] = [];
  readonly goaways: GoawayRecord[] = [];
  readonly sessionErrors: ErrorRecord[] = [];
  readonly verifyErrors: ErrorRecord[] = [];
  readonly sse: SseCounters = { events: 0, gaps: 0, reconnects: 0, badEvents: 0, maxSilenceMs: 0, silentStreams: 0, delaysMs: [], delaySource: 'none' };
  /** Streams that failed although nobody on our side ended them (kept live for the progress bar). */
  failed = 0;
  corruptBytes = 0;
  /** ms each viewer's video player wanted bytes, by viewer number (video-player.ts). */
  private readonly videoWanting = new Map<number, number>();
  /** Streams stop() ended: this run's, not a module-wide set every run shares. */
  private readonly stopping = new WeakSet<http2.ClientHttp2Stream>();

  now(): number {
    return performance.now() - this.t0;
  }

  openConnection(viewer: number): ConnectionRecord {
    const record: ConnectionRecord = { id: this.connections.length + 1, viewer, openedMs: this.now() };
    this.connections.push(record);
    return record;
  }

  noteCorruption(record: StreamRecord, count: number, offset: number, atMs: number): void {
    record.corruptBytes += count;
    this.corruptBytes += count;
    if (!record.firstCorrupt || atMs < record.firstCorrupt.atMs) record.firstCorrupt = { atMs, offset };
  }

  /** Something came back different from what was sent (the first difference is kept). */
  noteWrongContent(record: StreamRecord, what: string): void {
    record.wrongContent ??= what;
  }

  /** Starts the record of a stream just requested on `conn`; its outcome comes from the stream's close. */
  track(
    stream: http2.ClientHttp2Stream,
    conn: StreamConnection,
    kind: StreamKind,
    path: string,
    rangeStart?: number,
  ): StreamRecord {
    const record: StreamRecord = {
      seq: this.streams.length + 1,
      viewer: conn.record.viewer,
      connection: conn.record.id,
      kind,
      path,
      rangeStart,
      startMs: this.now(),
      bytes: 0,
      wireBytes: 0,
      cancelledByUs: false,
      corruptBytes: 0,
    };
    this.streams.push(record);
    let ended = false;
    let streamError: string | undefined;
    stream.once('ready', () => (record.streamId = stream.id));
    stream.once('response', (headers) => {
      record.status = Number(headers[':status']);
      const proxyError = headers['x-h2race-error'];
      if (typeof proxyError === 'string') record.proxyError = proxyError;
    });
    stream.on('data', (chunk: Buffer) => (record.bytes += chunk.length));
    stream.once('end', () => (ended = true));
    stream.on('error', (err: NodeJS.ErrnoException) => (streamError ??= err.code ?? err.message));
    stream.once('close', () => {
      record.endMs = this.now();
      record.streamId ??= stream.id;
      const rst = stream.rstCode;
      if (rst !== undefined && rst !== http2.constants.NGHTTP2_NO_ERROR) record.rstCode = rst;
      if (record.cancelledByUs) {
        record.outcome = 'cancelled';
      } else if (rst === http2.constants.NGHTTP2_REFUSED_STREAM && (record.kind === 'burst' || aboveGracefulGoaway(conn, stream.id))) {
        // A stream the server never processed: a burst beyond its limit, as the burst meant, or one
        // that crossed its graceful GOAWAY on the wire — safe for any client to retry (RFC 9113
        // §6.8), not a failure; the viewers' next requests go over a new connection.
        record.outcome = 'refused';
      } else if (this.stopping.has(stream)) {
        record.outcome = 'stopped';
      } else if (conn.deathReason === undefined && ended && record.rstCode === undefined && record.status !== undefined && record.status < 400 && (record.grpcStatus ?? 0) === 0) {
        // (A stream still open when its connection died may even see a clean 'end' — node ends
        // streams of a destroyed session quietly — so a dead connection's streams never complete.)
        record.outcome = 'completed';
      } else {
        record.outcome = 'failed';
        record.connectionDeath = conn.deathReason;
        record.clientError = streamError;
        this.failed++;
      }
    });
    return record;
  }

  /** An SSE event arrived `delayMs` late, measured as `source` says (sse-delay.ts). */
  noteSseDelay(delayMs: number, source: 'stamp' | 'arrival-gaps'): void {
    const sse = this.sse;
    sse.delaysMs.push(Math.max(0, Math.round(delayMs * 10) / 10));
    sse.delaySource = sse.delaySource === 'none' || sse.delaySource === source ? source : 'mixed';
  }

  /** Viewer `viewer`'s player wanted bytes for `ms` more. */
  noteVideoWanting(viewer: number, ms: number): void {
    this.videoWanting.set(viewer, (this.videoWanting.get(viewer) ?? 0) + ms);
  }

  /** Marks a stream we end at the end of the run (outcome `stopped`, not a failure). */
  stop(stream: http2.ClientHttp2Stream): void {
    this.stopping.add(stream);
    if (!stream.closed && !stream.destroyed) stream.close(http2.constants.NGHTTP2_CANCEL);
  }

  /** Resets a stream on purpose (a seek): RST_STREAM(CANCEL), exactly as a browser does. */
  cancel(stream: http2.ClientHttp2Stream, record: StreamRecord): void {
    if (stream.closed || stream.destroyed) return;
    record.cancelledByUs = true;
    stream.close(http2.constants.NGHTTP2_CANCEL);
  }

  /** The run's record, every failed stream attributed (call once the relay has closed). */
  result(meta: Pick<RunRecord, 'target' | 'clients' | 'mode' | 'profile' | 'shape' | 'seed' | 'viewers' | 'drain' | 'stallAfterMs'>): RunRecord {
    const limits = serverGoawayLimits(this.goaways);
    for (const s of this.streams) {
      if (s.outcome !== 'failed') continue;
      const { fault, reason } = attribute(s, limits.get(s.connection));
      s.fault = fault;
      s.error = reason;
    }
    return {
      ...meta,
      startedAt: this.startedAt,
      clockStart: this.t0,
      durationMs: Math.round(this.now()),
      connections: this.connections,
      streams: this.streams,
      goaways: this.goaways,
      sessionErrors: this.sessionErrors,
      verifyErrors: this.verifyErrors,
      sse: { ...this.sse, delaysMs: [...this.sse.delaysMs] },
      videoWantingMs: this.videoWanting.size === 0 ? undefined : Array.from({ length: meta.viewers }, (_, i) => Math.round(this.videoWanting.get(i + 1) ?? 0)),
    };
  }
}

function aboveGracefulGoaway(conn: StreamConnection, streamId: number | undefined): boolean {
  return conn.gracefulLastStreamId !== undefined && streamId !== undefined && streamId > conn.gracefulLastStreamId;
}
