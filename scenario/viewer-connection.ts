/**
 * One HTTP/2 connection of one viewer, as a browser keeps it: every request of the viewer goes on
 * it until it dies. It records the GOAWAYs either side sends and the session's errors; when our
 * own client sends GOAWAY with an error (a framing violation), it fails every stream at once, as
 * Chromium and Firefox do.
 *
 * Lifecycle: the Viewer owns its current ViewerConnection; the connection owns its session and
 * every stream requested through it. The session's 'close' is where it ends; `stop()` (end of
 * the run) marks open streams as stopped first, so they do not count as failures.
 */
import http2 from 'node:http2';
import { errorCodeName } from '../h2/frame/constants.js';
import { openSession, type TargetOptions } from './client-session.js';
import type { FrameTapRelay, GoawayFrame, ResetFrame, UnparsableFrame } from './frame-tap.js';
import type { RunRecorder, StreamConnection } from './recorder.js';
import { StallWatch } from './stall-watch.js';
import type { ConnectionRecord, GoawaySide, StreamKind, StreamRecord } from './types.js';

export interface OpenedStream {
  stream: http2.ClientHttp2Stream;
  record: StreamRecord;
}

export class ViewerConnection implements StreamConnection {
  readonly record: ConnectionRecord;
  deathReason: string | undefined;
  gracefulLastStreamId: number | undefined;
  private readonly session: http2.ClientHttp2Session;
  private readonly open = new Set<http2.ClientHttp2Stream>();
  /** Every stream's record by its stream id, for the RST_STREAMs the relay sees (also after the stream closed). */
  private readonly byStreamId = new Map<number, StreamRecord>();
  private stopping = false;
  private readonly stalls: StallWatch;

  constructor(
    private readonly recorder: RunRecorder,
    target: TargetOptions,
    relay: FrameTapRelay,
    viewer: number,
    stallAfterMs: number,
    onClosed: (conn: ViewerConnection) => void,
  ) {
    this.record = recorder.openConnection(viewer);
    this.stalls = new StallWatch(recorder, stallAfterMs, () => this.ping());
    const id = this.record.id;
    const onClientGoaway = (frame: GoawayFrame, lastInbound: string | undefined): void => {
      // Our own graceful close at the end of the run is not an event of the run.
      if (this.stopping) return;
      recorder.goaways.push({ connection: id, side: 'client', ...frame, atMs: recorder.now(), lastInboundFrame: lastInbound });
      if (frame.code !== http2.constants.NGHTTP2_NO_ERROR) {
        this.deathReason ??= `client GOAWAY ${errorCodeName(frame.code)}`;
        // node:http2 goes quiet after its GOAWAY; a browser fails every stream here.
        this.session.destroy();
      }
    };
    const onReset = (side: GoawaySide, frame: ResetFrame): void => {
      const record = this.byStreamId.get(frame.streamId);
      if (record) record.reset ??= { side, code: frame.code };
    };
    const onUnparsableFrame = ({ header, bytesHex, kind, problem }: UnparsableFrame): void => {
      if (!this.stopping) (this.record.unparsableFrames ??= []).push({ atMs: recorder.now(), ...header, bytesHex, kind, problem });
    };
    const onStreamStateExcused = (streamId: number): void => {
      const excused = this.record.unparsableFrames?.find((f) => f.kind === 'stream-state' && f.streamId === streamId && f.excusedAtMs === undefined);
      if (excused) excused.excusedAtMs = recorder.now();
    };
    const onData = (streamId: number, length: number): void => {
      const record = this.byStreamId.get(streamId);
      if (record) record.wireBytes += length;
    };
    this.session = openSession(target, { relay, events: { onClientGoaway, onReset, onUnparsableFrame, onStreamStateExcused, onData } });
    this.session.on('goaway', (code: number, lastStreamId: number) => {
      recorder.goaways.push({ connection: id, side: 'server', code, lastStreamId, atMs: recorder.now() });
      if (code !== http2.constants.NGHTTP2_NO_ERROR) this.deathReason ??= `server GOAWAY ${errorCodeName(code)}`;
      else {
        this.gracefulLastStreamId = Math.min(this.gracefulLastStreamId ?? Infinity, lastStreamId);
      }
    });
    this.session.on('error', (err: NodeJS.ErrnoException) => {
      recorder.sessionErrors.push({ connection: id, atMs: recorder.now(), message: `${err.code ?? 'error'}: ${err.message}` });
      if (!this.stopping) this.deathReason ??= `session error ${err.code ?? err.message}`;
    });
    // The connection's end, named before node closes its streams (with a CANCEL code of its own).
    this.session.socket.once('close', () => {
      if (!this.stopping) this.deathReason ??= 'connection closed';
    });
    this.session.once('close', () => {
      this.stalls.stop();
      this.record.closedMs = recorder.now();
      if (!this.stopping) {
        this.deathReason ??= 'connection closed';
        this.record.endedBy = this.deathReason;
      }
      onClosed(this);
    });
  }

  /** Whether new requests may go on this connection. */
  get usable(): boolean {
    return !this.stopping && this.gracefulLastStreamId === undefined && this.deathReason === undefined && !this.session.closed && !this.session.destroyed;
  }

  request(kind: StreamKind, headers: http2.OutgoingHttpHeaders, rangeStart?: number, options?: http2.ClientSessionRequestOptions): OpenedStream {
    const stream = this.session.request({ ':method': 'GET', ...headers }, options);
    const record = this.recorder.track(stream, this, kind, String(headers[':path']), rangeStart);
    this.stalls.watch(stream, record);
    this.open.add(stream);
    // Its id exists once node submitted its HEADERS (at once on a connected session, else at
    // 'ready'), before any RST_STREAM for it can go by.
    if (stream.id !== undefined) this.byStreamId.set(stream.id, record);
    else stream.once('ready', () => this.byStreamId.set(stream.id!, record));
    // Stream errors are recorded by the recorder's handlers; this keeps them from being thrown.
    stream.on('error', () => {});
    stream.once('close', () => this.open.delete(stream));
    return { stream, record };
  }

  /**
   * Sends a PING; resolves with its round trip (ms) when the answer arrives, or undefined when the
   * connection ends first. The server answers once it has read everything sent before, and the
   * answer reaches us behind every byte it wrote before it.
   */
  async ping(): Promise<number | undefined> {
    const session = this.session;
    if (session.connecting) await new Promise((resolve) => (session.once('connect', resolve), session.once('close', resolve)));
    if (session.destroyed || session.closed) return undefined;
    return new Promise((resolve) => {
      session.once('close', () => resolve(undefined));
      session.ping((err, ms) => resolve(err ? undefined : ms));
    });
  }

  /** End of the run: open streams are stopped (not failures), then the connection closes. */
  stop(): Promise<void> {
    this.stopping = true;
    this.stalls.stop();
    for (const stream of this.open) this.recorder.stop(stream);
    if (this.session.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.session.destroy(), 1000);
      this.session.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.session.close();
    });
  }
}
