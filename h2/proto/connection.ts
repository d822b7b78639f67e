/**
 * One HTTP/2 connection (RFC 9113): frames in, through the rules of §4–§8, to streams and their
 * handlers; frames out, born in pool leases, through the writer to the transport.
 *
 *   transport ──data──▶ FrameReader ──▶ checks (§4.2, §6, header blocks, flood guard)
 *                                       ──▶ [inbound hook] ──▶ dispatch ──▶ streams ──▶ handlers
 *   application ──respond/write/end──▶ HeaderWriter / SendScheduler ──▶ FrameWriter ──▶ transport
 *
 * Errors: a connection error is thrown as FrameError(code) anywhere below `receive` and ends in
 * `fail` (GOAWAY with the code, the transport closed once it is out); a stream error resets one
 * stream (`streamError`) and the connection goes on.
 *
 * Role: this class is the server role; the client role (client-connection.ts) extends it at the
 * protected points where the roles differ: the preface, whose stream ids are whose, what a HEADERS
 * block on a live stream means (trailers, or a response head), and when stream slots free up.
 * What holds for both roles is written once, by stream-id parity: HEADERS on even ids is a
 * protocol error (clients open odd ids, and push is off), and our own streams above a GOAWAY's
 * last-stream-id or refused with REFUSED_STREAM end as 'unprocessed'.
 *
 * Lifecycle: made by serveConnection (server.ts) for one transport; it ends in one place,
 * `transportClosed` (the transport's onClose), whatever led there: a graceful close, a
 * connection error, the peer leaving. Every stream still open hears onReset then.
 */
import { CLIENT_PREFACE, ErrorCode, FRAME_HEADER_LENGTH, FrameFlag, FrameType, SettingId } from '../frame/constants.js';
import { FrameError, frameError, parseGoaway, parseSettings, readFrameHeader, validateFrameHeader, validateFramePayload, type FrameHeader } from '../frame/codec.js';
import { FrameReader, type FrameSink } from '../frame/frame-reader.js';
import { frameContent, priorityDependency, prioritizedStreamId, rstErrorCode, windowIncrement } from '../frame/payload.js';
import { PING_LENGTH, RST_STREAM_LENGTH, WINDOW_UPDATE_LENGTH, goawayDebug, goawayLength, settingsLength, writeGoaway, writePing, writeRstStream, writeSettings, writeWindowUpdate } from '../frame/encode.js';
import { HpackDecoder } from '../hpack/decoder.js';
import { HpackEncoder } from '../hpack/encoder.js';
import { HeaderListTooLargeError, HpackError } from '../hpack/hpack-error.js';
import { AllocatingPool } from './frame-pool.js';
import { FloodGuard, type PeerRole } from './flood-guard.js';
import { RecvWindow } from './flow-window.js';
import { FrameWriter, type OutboundHook } from './frame-writer.js';
import { ConnectionEnd, EndPhase, MAX_STREAM_ID, type EndHost } from './go-away.js';
import { HeaderBlock } from './header-block.js';
import { DEFAULT_LINGER_POLICY } from './lingering-close.js';
import { requestHead, regularFieldsProblem } from './header-validation.js';
import { HeaderWriter } from './header-writer.js';
import { RecentIds } from './recent-ids.js';
import { CREDIT_ON_RESET, type ResetDataCredit } from './bug-models/reset-data-credit.js';
import { DECODE_REFUSED, type RefusedHeaderBlock } from './bug-models/refused-header-block.js';
import { SendScheduler, type SchedulerHost } from './send-scheduler.js';
import { PROTOCOL_HEADER_TABLE_SIZE, PROTOCOL_INITIAL_WINDOW_SIZE, PeerSettings, localSettings, settingsEntries, type LocalSettings } from './settings.js';
import { SettingsAck } from './settings-ack.js';
import { H2Stream, type ResetCause, type StreamHost } from './stream.js';
import { ClosedHow, StreamState, Verdict, afterRecvEnd, afterSendEnd, canRecv, recvOnClosed, recvOnIdle, recvOnLive, type Ruling } from './stream-state.js';
import type { Transport, TransportSink } from './transport.js';
import type { ConnectionObserver, ConnectionOptions, ConnectionStats, InboundHook, ServerHandler } from './connection-options.js';
import { StreamTable } from './stream-table.js';

// The connection's own API types, declared beside it, also reachable from here.
export type { ConnectionObserver, ConnectionOptions, ConnectionStats, GoawayInfo, InboundHook, ServerHandler } from './connection-options.js';

/** Closed streams remembered, to tell a late frame on a closed stream from one on an unknown id. */
const CLOSED_STREAMS_KEPT = 1024;

const DEFAULTS = {
  connectionWindowSize: 16 << 20,
  settingsTimeoutMs: 10_000,
  pingTimeoutMs: 2_000,
  closeTimeoutMs: 5_000,
  maxSendAheadBytes: 1 << 20,
  streamHighWaterMark: 64 * 1024,
};

let nextConnectionId = 1;

export class Connection implements FrameSink, TransportSink, StreamHost, SchedulerHost, EndHost {
  readonly id: number;
  readonly peerSettings = new PeerSettings();
  protected readonly opts: typeof DEFAULTS;
  private readonly observer: ConnectionObserver;
  private readonly inboundHook: InboundHook | undefined;
  private readonly resetDataCredit: ResetDataCredit;
  private readonly refusedHeaderBlock: RefusedHeaderBlock;
  private readonly reader: FrameReader;
  private readonly writer: FrameWriter;
  protected readonly headerWriter: HeaderWriter;
  private readonly scheduler: SendScheduler;
  private readonly decoder: HpackDecoder;
  private readonly headerBlock = new HeaderBlock();
  private readonly guard: FloodGuard;
  private readonly settingsAck: SettingsAck;
  private readonly end: ConnectionEnd;
  protected readonly streams = new StreamTable<H2Stream>();
  /**
   * How recent streams closed; a frame on a forgotten one gets the answer for a stream never
   * opened (stream-state.ts, recvOnClosed).
   */
  private readonly closedStreams = new RecentIds(CLOSED_STREAMS_KEPT);
  /** Our settings as the peer has acknowledged them (the protocol's until the first ACK). */
  protected local: LocalSettings;
  private readonly announced: LocalSettings;
  private readonly recvWindow: RecvWindow;
  /** Preface bytes still expected from the peer (the client's, §3.4). */
  protected prefaceLeft = CLIENT_PREFACE.length;
  private firstFrame = true;
  /** The highest stream id the peer used (opened, refused or ignored): lower unknown ids are closed, higher idle. */
  private lastPeerStreamId = 0;
  lastProcessedStreamId = 0;
  protected streamsOpened = 0;
  private readonly framesReceived = new Array<number>(FrameType.PRIORITY_UPDATE + 2).fill(0);
  private flushScheduled = false;
  private now = 0;

  constructor(protected readonly transport: Transport, private readonly server: ServerHandler, options: ConnectionOptions = {}) {
    this.id = options.id ?? nextConnectionId++;
    this.opts = {
      connectionWindowSize: options.connectionWindowSize ?? DEFAULTS.connectionWindowSize,
      settingsTimeoutMs: options.settingsTimeoutMs ?? DEFAULTS.settingsTimeoutMs,
      pingTimeoutMs: options.pingTimeoutMs ?? DEFAULTS.pingTimeoutMs,
      closeTimeoutMs: options.closeTimeoutMs ?? DEFAULTS.closeTimeoutMs,
      maxSendAheadBytes: options.maxSendAheadBytes ?? DEFAULTS.maxSendAheadBytes,
      streamHighWaterMark: options.streamHighWaterMark ?? DEFAULTS.streamHighWaterMark,
    };
    this.observer = options.observer ?? {};
    this.inboundHook = options.inboundHook;
    this.reader = new FrameReader(this, this.inboundHook === undefined);
    this.resetDataCredit = options.resetDataCredit ?? CREDIT_ON_RESET;
    this.refusedHeaderBlock = options.refusedHeaderBlock ?? DECODE_REFUSED;
    this.announced = localSettings(options.settings);
    // Until the peer acknowledges ours, the protocol's initial values bind it where ours are
    // stricter; where ours are more lenient the peer may use them as soon as it read them.
    this.local = {
      ...this.announced,
      headerTableSize: Math.max(PROTOCOL_HEADER_TABLE_SIZE, this.announced.headerTableSize),
      initialWindowSize: Math.max(PROTOCOL_INITIAL_WINDOW_SIZE, this.announced.initialWindowSize),
    };
    this.guard = new FloodGuard(options.floodLimits, this.peerRole());
    this.writer = new FrameWriter(this.id, options.pool ?? new AllocatingPool(), transport, this.opts.maxSendAheadBytes, () => this.scheduleFlush(), options.outboundHook);
    this.headerWriter = new HeaderWriter(new HpackEncoder(), this.writer);
    this.scheduler = new SendScheduler(this.writer, this);
    this.decoder = new HpackDecoder({ maxTableSize: this.local.headerTableSize, maxHeaderListSize: this.announced.maxHeaderListSize });
    this.recvWindow = new RecvWindow(PROTOCOL_INITIAL_WINDOW_SIZE, Math.max(this.opts.connectionWindowSize, PROTOCOL_INITIAL_WINDOW_SIZE));
    this.settingsAck = new SettingsAck(this.opts.settingsTimeoutMs, () => this.fail(ErrorCode.SETTINGS_TIMEOUT, 'no SETTINGS ACK in time'));
    this.end = new ConnectionEnd(this, {
      pingTimeoutMs: this.opts.pingTimeoutMs,
      closeTimeoutMs: this.opts.closeTimeoutMs,
      abandonedFlushMs: options.linger?.abandonedFlushMs ?? DEFAULT_LINGER_POLICY.abandonedFlushMs,
    });
    this.sendPreface();
    transport.start(this);
  }

  /** Starts the graceful close: GOAWAY, a PING round trip, the final GOAWAY, open streams finish. */
  close(): void {
    this.end.close();
    this.scheduleFlush();
  }

  /** Fails the connection now: GOAWAY(code), every stream reset, the transport closed. */
  destroy(code: number = ErrorCode.NO_ERROR, reason = ''): void {
    this.fail(code, reason);
  }

  /**
   * Processes `frame` (header included) as if the peer had sent it, past the flood guard and the
   * inbound hook: how a frame toxic injects a client's RST_STREAM.
   */
  injectInbound(frame: Buffer): void {
    const header = readFrameHeader(frame);
    this.guarded(() => {
      validateFrameHeader(header, this.announced.maxFrameSize);
      validateFramePayload(header, frame);
      this.dispatch(header, frame);
    });
  }

  get phase(): EndPhase {
    return this.end.phase;
  }

  get activeStreams(): number {
    return this.streams.size;
  }

  stats(): ConnectionStats {
    return {
      framesReceived: [...this.framesReceived],
      framesSent: [...this.writer.framesSent],
      streamsOpened: this.streamsOpened,
      lastStreamId: this.lastProcessedStreamId,
    };
  }

  setOutboundHook(hook: OutboundHook | undefined): void {
    this.writer.setHook(hook);
  }

  // ── transport ────────────────────────────────────────────────────────────────────────────

  onData(chunk: Buffer): void {
    if (this.end.phase >= EndPhase.Ending) return;
    this.now = performance.now();
    // No closure per chunk: guarded()'s handling, inline.
    try {
      let at = 0;
      if (this.prefaceLeft > 0) at = this.readPreface(chunk);
      this.reader.feed(chunk, at);
    } catch (err) {
      this.failOn(err);
    }
  }

  onEnd(): void {
    // The peer sends nothing more: what is queued still goes out, then the transport ends.
    if (this.end.phase < EndPhase.Ending) this.end.peerGoaway(ErrorCode.CANCEL);
  }

  onClose(): void {
    this.transportClosed();
  }

  // ── inbound: checks ──────────────────────────────────────────────────────────────────────

  checkFrameHeader(header: FrameHeader): void {
    validateFrameHeader(header, this.announced.maxFrameSize);
    if (this.firstFrame) {
      // §3.4: the preface's SETTINGS is the first frame.
      if (header.type !== FrameType.SETTINGS || header.flags & FrameFlag.ACK) {
        throw frameError(header, ErrorCode.PROTOCOL_ERROR, 'the preface must be followed by SETTINGS');
      }
      this.firstFrame = false;
    }
    this.headerBlock.check(header);
    switch (header.type) {
      case FrameType.PUSH_PROMISE:
        // §8.4: a client cannot push, and we told the server (as a client) not to.
        throw frameError(header, ErrorCode.PROTOCOL_ERROR, 'PUSH_PROMISE is not allowed');
      case FrameType.HEADERS:
        // §5.1.1: streams the peer opens have ids of its parity (a client's are odd).
        // A server's streams would be pushed ones, and push is off: even ids are wrong in both roles.
        if (header.streamId % 2 === 0) {
          throw frameError(header, ErrorCode.PROTOCOL_ERROR, 'HEADERS on an even-numbered stream (a client opens odd ones; push is off)');
        }
        return;
      case FrameType.PRIORITY_UPDATE:
        // RFC 9218 §7.1.
        if (header.streamId !== 0) throw frameError(header, ErrorCode.PROTOCOL_ERROR, 'must be on stream 0');
        if (header.length < 4) throw frameError(header, ErrorCode.FRAME_SIZE_ERROR, 'payload shorter than 4 bytes');
        return;
    }
  }

  onFrame(header: FrameHeader, frame: Buffer): void {
    // The application may have failed the connection from a callback earlier in this chunk.
    if (this.end.phase >= EndPhase.Ending) return;
    validateFramePayload(header, frame);
    this.count(header);
    if (this.inboundHook) this.inboundHook.inbound(header, frame, this.deliverLater);
    else this.dispatch(header, frame);
  }

  /**
   * A split unpadded DATA frame as views of the chunks it came in: no copy of it is made. Only when
   * there is no inbound hook (the reader is made so): a hook holds and injects whole frames.
   */
  onDataPieces(header: FrameHeader, pieces: Buffer[]): void {
    if (this.end.phase >= EndPhase.Ending) return;
    this.count(header);
    this.onDataFrame(header, undefined, pieces);
  }

  /** Every received frame, whole or in pieces, once: the flood guard (throws on a flood) and framesReceived. */
  private count(header: FrameHeader): void {
    this.guard.check(header, this.now);
    this.framesReceived[header.type <= FrameType.PRIORITY_UPDATE ? header.type : this.framesReceived.length - 1]!++;
  }

  /** A frame the inbound hook held: acted on unless the connection is ending by then. */
  private readonly deliverLater = (header: FrameHeader, frame: Buffer): void => {
    if (this.end.phase >= EndPhase.Ending) return;
    this.guarded(() => this.dispatch(header, frame));
  };

  private dispatch(header: FrameHeader, frame: Buffer): void {
    switch (header.type) {
      case FrameType.DATA:
        return this.onDataFrame(header, frame, undefined);
      case FrameType.HEADERS:
        return this.onHeadersFrame(header, frame);
      case FrameType.CONTINUATION:
        return this.onContinuation(header, frame);
      case FrameType.PRIORITY:
        return this.onPriority(header, frame);
      case FrameType.RST_STREAM:
        return this.onRstStream(header, frame);
      case FrameType.SETTINGS:
        return this.onSettings(header, frame);
      case FrameType.PING:
        return this.onPing(header, frame);
      case FrameType.GOAWAY:
        return this.onGoaway(frame);
      case FrameType.WINDOW_UPDATE:
        return this.onWindowUpdate(header, frame);
      case FrameType.PRIORITY_UPDATE:
        if (prioritizedStreamId(frame) === 0) throw frameError(header, ErrorCode.PROTOCOL_ERROR, 'prioritized stream id 0');
        return;
      default:
        // §5.5: unknown frame types are ignored.
        return;
    }
  }

  // ── inbound: frames ──────────────────────────────────────────────────────────────────────

  /** A DATA frame, whole (`frame`) or as its unpadded payload's `pieces`. */
  private onDataFrame(header: FrameHeader, frame: Buffer | undefined, pieces: Buffer[] | undefined): void {
    const n = header.length;
    // §6.9.1: the connection window covers every DATA frame, whatever becomes of it.
    if (!this.recvWindow.receive(n)) throw frameError(header, ErrorCode.FLOW_CONTROL_ERROR, 'beyond the connection window');
    const stream = this.streams.get(header.streamId);
    if (!stream) {
      // The stream is gone (reset, refused, ended): its late DATA is credited, unless a bug model leaks it.
      this.creditConnection(this.resetDataCredit.credited(n));
      this.apply(this.rulingFor(header), header);
      return;
    }
    const ruling = recvOnLive(stream.state, FrameType.DATA);
    if (ruling.verdict !== Verdict.Accept) {
      this.creditConnection(n);
      this.apply(ruling, header);
      return;
    }
    if (this.awaitingHead(stream)) {
      this.creditConnection(n);
      this.streamError(stream.id, ErrorCode.PROTOCOL_ERROR, 'DATA before the response head');
      return;
    }
    if (!stream.recvWindow.receive(n)) {
      this.creditConnection(n);
      this.streamError(header.streamId, ErrorCode.FLOW_CONTROL_ERROR, 'DATA beyond the stream window');
      return;
    }
    const { start, end } = frame ? frameContent(header, frame) : { start: FRAME_HEADER_LENGTH, end: FRAME_HEADER_LENGTH + n };
    const length = end - start;
    if (length < n) {
      // Padding: flow-controlled, and nobody will consume it.
      this.creditConnection(n - length);
      this.creditStream(stream, n - length);
    }
    stream.received += length;
    if (stream.contentLength >= 0 && stream.received > stream.contentLength) {
      this.creditConnection(length);
      this.streamError(stream.id, ErrorCode.PROTOCOL_ERROR, `more DATA than content-length ${stream.contentLength}`);
      return;
    }
    if (length > 0) {
      stream.unconsumed += length;
      if (frame) stream.handler.onData?.(frame.subarray(start, end));
      else this.deliverPieces(stream, pieces!);
    }
    if (header.flags & FrameFlag.END_STREAM && stream.state !== StreamState.Closed) this.recvEnd(stream);
  }

  /**
   * One frame's payload in pieces, all counted in `unconsumed` already: a stream its handler reset
   * on an early piece gets no more, and closeStream credited the rest with what it had not consumed.
   */
  private deliverPieces(stream: H2Stream, pieces: Buffer[]): void {
    for (const piece of pieces) {
      // A handler may end its stream or the whole connection on an early piece: as after a whole
      // frame's one call, nothing more reaches it then.
      if (stream.state === StreamState.Closed || this.end.phase >= EndPhase.Ending) return;
      stream.handler.onData?.(piece);
    }
  }

  private onHeadersFrame(header: FrameHeader, frame: Buffer): void {
    const { start, end } = frameContent(header, frame);
    this.headerBlock.start(header, priorityDependency(header, frame), frame, start, end);
    if (header.flags & FrameFlag.END_HEADERS) this.headerBlockDone();
  }

  private onContinuation(header: FrameHeader, frame: Buffer): void {
    this.headerBlock.append(frame.subarray(FRAME_HEADER_LENGTH, FRAME_HEADER_LENGTH + header.length));
    if (header.flags & FrameFlag.END_HEADERS) this.headerBlockDone();
  }

  private onPriority(header: FrameHeader, frame: Buffer): void {
    // Accepted and ignored (RFC 9113 §5.3.2 deprecates the scheme); only a self-dependency is an error.
    if (priorityDependency(header, frame) === header.streamId) {
      this.streamError(header.streamId, ErrorCode.PROTOCOL_ERROR, 'a stream cannot depend on itself');
    }
  }

  private onRstStream(header: FrameHeader, frame: Buffer): void {
    const stream = this.streams.get(header.streamId);
    if (!stream && this.rulingFor(header).verdict === Verdict.ConnectionError) {
      throw frameError(header, ErrorCode.PROTOCOL_ERROR, 'RST_STREAM on an idle stream');
    }
    const code = rstErrorCode(frame);
    // The Jetty moment: the pool hears of the stream's leases whose writes are still pending —
    // also when the stream already closed on our side, its last frames made but not yet written.
    this.writer.streamReset(header.streamId);
    this.observer.onPeerReset?.(header.streamId, code);
    // §8.7: REFUSED_STREAM on a stream we opened says the peer did no work on it.
    const refused = code === ErrorCode.REFUSED_STREAM && !this.isPeerStreamId(header.streamId);
    if (stream) this.closeStream(stream, ClosedHow.ResetReceived, code, refused ? 'unprocessed' : 'peer');
  }

  private onWindowUpdate(header: FrameHeader, frame: Buffer): void {
    const increment = windowIncrement(frame);
    if (header.streamId === 0) {
      if (!this.scheduler.window.grow(increment)) throw frameError(header, ErrorCode.FLOW_CONTROL_ERROR, 'connection window above 2^31-1');
      if (this.scheduler.hasReady) this.scheduleFlush();
      return;
    }
    const stream = this.streams.get(header.streamId);
    if (!stream) {
      this.apply(this.rulingFor(header), header);
      return;
    }
    if (increment === 0) return this.streamError(stream.id, ErrorCode.PROTOCOL_ERROR, 'WINDOW_UPDATE with an increment of 0');
    if (!stream.body.window.grow(increment)) return this.streamError(stream.id, ErrorCode.FLOW_CONTROL_ERROR, 'stream window above 2^31-1');
    this.bodyChanged(stream);
  }

  private onSettings(header: FrameHeader, frame: Buffer): void {
    if (header.flags & FrameFlag.ACK) {
      const acked = this.settingsAck.acked();
      if (acked) this.localSettingsAcked(acked);
      return;
    }
    const settings = parseSettings(frame.subarray(FRAME_HEADER_LENGTH, FRAME_HEADER_LENGTH + header.length));
    // §6.5.3: the values are processed in the order they appear.
    for (const [id, value] of settings) {
      const delta = this.peerSettings.apply(id, value);
      if (id === SettingId.HEADER_TABLE_SIZE) this.headerWriter.encoder.setMaxTableSize(value);
      if (delta !== 0) this.resizeSendWindows(delta);
    }
    this.writer.frame(FrameType.SETTINGS, FrameFlag.ACK, 0, 0);
    this.observer.onSettings?.(this.peerSettings);
    this.streamSlotsChanged();
    this.scheduleFlush();
  }

  private onPing(header: FrameHeader, frame: Buffer): void {
    const opaque = frame.subarray(FRAME_HEADER_LENGTH, FRAME_HEADER_LENGTH + 8);
    if (header.flags & FrameFlag.ACK) {
      // §6.7: an ACK we did not ask for is ignored.
      this.end.pingAcked(opaque);
      return;
    }
    writePing(this.writer.frame(FrameType.PING, FrameFlag.ACK, 0, 8), opaque, true);
    this.scheduleFlush();
  }

  private onGoaway(frame: Buffer): void {
    const goaway = parseGoaway(frame.subarray(FRAME_HEADER_LENGTH));
    this.observer.onGoawayReceived?.({ lastStreamId: goaway.lastStreamId, errorCode: goaway.errorCode, debug: goaway.debug.toString('utf8') });
    // §6.8: streams we opened above the last-stream-id were not processed; they may be retried.
    // Remembered as reset by us: whatever the peer still sends on them is ignored.
    for (const stream of [...this.streams.values()]) {
      if (!this.isPeerStreamId(stream.id) && stream.id > goaway.lastStreamId) this.closeStream(stream, ClosedHow.ResetSent, goaway.errorCode, 'unprocessed');
    }
    this.end.peerGoaway(goaway.errorCode);
    this.scheduleFlush();
  }

  // ── inbound: header blocks ───────────────────────────────────────────────────────────────

  private headerBlockDone(): void {
    const block = this.headerBlock;
    const streamId = block.streamId;
    const endStream = (block.flags & FrameFlag.END_STREAM) !== 0;
    const dependency = block.dependency;
    // Every block is decoded, whatever becomes of its stream: the HPACK table must stay in step —
    // unless a bug model drops a refused stream's block (bug-models/refused-header-block.ts).
    const fragment = block.finish();
    const from = block.from;
    const to = block.to;
    const refused = this.refusesNewStream(streamId);
    if (refused && !this.refusedHeaderBlock.decoded) return this.openStream(streamId, undefined, endStream, dependency, true);
    let list: string[] | undefined;
    try {
      list = this.decoder.decode(fragment, from, to);
    } catch (err) {
      if (err instanceof HpackError) throw new FrameError(ErrorCode.COMPRESSION_ERROR, `header block of stream ${streamId}: ${err.message}`);
      if (!(err instanceof HeaderListTooLargeError)) throw err;
    }
    const stream = this.streams.get(streamId);
    if (stream) return this.headersOnStream(stream, list, endStream);
    if (this.isPeerStreamId(streamId) && streamId > this.lastPeerStreamId) return this.openStream(streamId, list, endStream, dependency, refused);
    if (!this.isPeerStreamId(streamId) && this.isUnusedLocalId(streamId)) {
      throw new FrameError(ErrorCode.PROTOCOL_ERROR, `HEADERS on stream ${streamId}, which we never opened`);
    }
    this.apply(recvOnClosed(this.closedStreams.get(streamId), FrameType.HEADERS), { length: 0, type: FrameType.HEADERS, flags: block.flags, streamId });
  }

  /**
   * A new stream from the peer (the server role: a request). `list` is undefined when over our
   * header list limit; `refused`: refusesNewStream's answer, asked before the block was decoded.
   */
  private openStream(streamId: number, list: string[] | undefined, endStream: boolean, dependency: number, refused: boolean): void {
    this.lastPeerStreamId = streamId;
    if (dependency === streamId) return this.streamError(streamId, ErrorCode.PROTOCOL_ERROR, 'a stream cannot depend on itself');
    // §6.8: streams above the last-stream-id of our final GOAWAY are ignored.
    if (!this.end.accepts(streamId)) return this.closedStreams.set(streamId, ClosedHow.ResetSent);
    // §5.1.2: REFUSED_STREAM tells the client it may retry the request elsewhere.
    if (refused) return this.streamError(streamId, ErrorCode.REFUSED_STREAM, 'over SETTINGS_MAX_CONCURRENT_STREAMS');
    const stream = new H2Stream(streamId, this, this.peerSettings.initialWindowSize, this.local.initialWindowSize, this.opts.streamHighWaterMark);
    this.streams.set(streamId, stream);
    this.streamsOpened++;
    if (endStream) stream.state = afterRecvEnd(stream.state);
    if (list === undefined) {
      // RFC 9113 §10.5.1 / RFC 6585 §5: answered here, the application never sees it.
      this.sendHead(stream, 431, [], true);
      if (stream.state !== StreamState.Closed) this.resetStream(stream, ErrorCode.NO_ERROR);
      return;
    }
    const head = requestHead(list, endStream, this.announced.enableConnectProtocol);
    if (typeof head === 'string') return this.streamError(streamId, ErrorCode.PROTOCOL_ERROR, head);
    // §8.1.1: a body promised by content-length that END_STREAM already denies — before the application sees it.
    if (endStream && head.contentLength > 0) return this.streamError(streamId, ErrorCode.PROTOCOL_ERROR, `content-length ${head.contentLength} with END_STREAM on HEADERS`);
    stream.contentLength = head.contentLength;
    this.lastProcessedStreamId = streamId;
    stream.handler = this.server.onStream(stream, head);
    if (endStream && stream.state !== StreamState.Closed) this.endReceived(stream);
    else if (endStream && this.closedStreams.get(streamId) === ClosedHow.Ended) {
      // Answered with END_STREAM inside onStream: it closed before its handler was given (the
      // close went to NO_HANDLER), which hears now what it missed.
      stream.handler.onEnd?.();
      stream.handler.onClose?.();
    }
    // §5.1.1: the peer can open no stream after this one; close the connection once it is served.
    if (streamId + 2 > MAX_STREAM_ID) this.close();
  }

  /** Whether a block on `streamId` opens a stream over our SETTINGS_MAX_CONCURRENT_STREAMS (the one place the limit is checked). */
  private refusesNewStream(streamId: number): boolean {
    return this.isPeerStreamId(streamId) && streamId > this.lastPeerStreamId && this.end.accepts(streamId) && this.streams.size >= this.announced.maxConcurrentStreams;
  }

  /** A header block on a live stream: in the server role, trailers. */
  protected headersOnStream(stream: H2Stream, list: string[] | undefined, endStream: boolean): void {
    this.trailersReceived(stream, list, endStream);
  }

  protected trailersReceived(stream: H2Stream, list: string[] | undefined, endStream: boolean): void {
    const ruling = recvOnLive(stream.state, FrameType.HEADERS);
    if (ruling.verdict !== Verdict.Accept) return this.apply(ruling, { length: 0, type: FrameType.HEADERS, flags: 0, streamId: stream.id });
    // §8.1: a second HEADERS block is trailers, and trailers end the stream.
    if (!endStream) return this.streamError(stream.id, ErrorCode.PROTOCOL_ERROR, 'trailers without END_STREAM');
    if (list === undefined) return this.streamError(stream.id, ErrorCode.ENHANCE_YOUR_CALM, 'trailers over SETTINGS_MAX_HEADER_LIST_SIZE');
    const problem = regularFieldsProblem(list);
    if (problem) return this.streamError(stream.id, ErrorCode.PROTOCOL_ERROR, problem);
    stream.handler.onTrailers?.(list);
    if (stream.state !== StreamState.Closed) this.recvEnd(stream);
  }

  // ── streams ──────────────────────────────────────────────────────────────────────────────

  /** The peer's END_STREAM on a live stream. */
  protected recvEnd(stream: H2Stream): void {
    stream.state = afterRecvEnd(stream.state);
    this.endReceived(stream);
  }

  /** After the state moved past the peer's END_STREAM: the body is checked, the handler told. */
  private endReceived(stream: H2Stream): void {
    if (stream.contentLength >= 0 && stream.received !== stream.contentLength) {
      return this.streamError(stream.id, ErrorCode.PROTOCOL_ERROR, `${stream.received} bytes of DATA, content-length ${stream.contentLength}`);
    }
    stream.handler.onEnd?.();
    if (stream.state === StreamState.Closed) this.closeStream(stream, ClosedHow.Ended, 0, undefined);
  }

  /**
   * The one place a stream ends: out of the map, remembered as closed. A reset one also drops its
   * queued body and credits its unconsumed bytes to the connection (its consumer will never say),
   * and its handler hears `cause` (not when the application reset it itself: cause undefined).
   */
  private closeStream(stream: H2Stream, how: ClosedHow, code: number, cause: ResetCause | undefined): void {
    stream.state = StreamState.Closed;
    this.streams.delete(stream.id);
    this.closedStreams.set(stream.id, how);
    this.scheduler.remove(stream);
    if (how !== ClosedHow.Ended) {
      stream.dropBody();
      this.creditConnection(this.resetDataCredit.credited(stream.unconsumed));
      stream.unconsumed = 0;
      if (cause !== undefined) stream.handler.onReset?.(code, cause);
    } else {
      stream.handler.onClose?.();
    }
    this.end.streamClosed();
    this.streamSlotsChanged();
  }

  /** RST_STREAM(code) for a stream error (§5.4.2) on `streamId`, live or not. */
  protected streamError(streamId: number, code: number, reason: string): void {
    this.guard.streamReset(streamId, this.now);
    const stream = this.streams.get(streamId);
    this.observer.onStreamError?.(streamId, code, reason);
    this.sendRst(streamId, code);
    if (stream) this.closeStream(stream, ClosedHow.ResetSent, code, 'protocol');
    else if (this.closedStreams.get(streamId) === 0) this.closedStreams.set(streamId, ClosedHow.ResetSent);
  }

  /** The ruling for a frame on a stream that is not live: idle, or closed. */
  private rulingFor(header: FrameHeader): Ruling {
    const idle = this.isPeerStreamId(header.streamId) ? header.streamId > this.lastPeerStreamId : this.isUnusedLocalId(header.streamId);
    return idle ? recvOnIdle(header.type) : recvOnClosed(this.closedStreams.get(header.streamId), header.type);
  }

  protected apply(ruling: Ruling, header: FrameHeader): void {
    switch (ruling.verdict) {
      case Verdict.StreamError:
        return this.streamError(header.streamId, ruling.code, 'frame on a closed stream');
      case Verdict.ConnectionError:
        throw frameError(header, ruling.code, 'not allowed on this stream in its state');
    }
  }

  /** The peer's role, for the words of its errors; called in the constructor, so it reads no field. */
  protected peerRole(): PeerRole {
    return 'client';
  }

  /** Whose stream an id is (§5.1.1): in the server role, the peer's are odd. */
  protected isPeerStreamId(streamId: number): boolean {
    return streamId % 2 === 1;
  }

  /** Whether one of our ids is still idle: the server role opens no streams, so every one is. */
  protected isUnusedLocalId(streamId: number): boolean {
    return streamId > 0;
  }

  /** Whether DATA on a live stream comes before its head (the client role: before the response). */
  protected awaitingHead(_stream: H2Stream): boolean {
    return false;
  }

  /** A stream closed or the peer's SETTINGS came: the client role may open more streams. */
  protected streamSlotsChanged(): void {}

  // ── StreamHost: the application's calls ─────────────────────────────────────────────────

  sendHead(stream: H2Stream, status: number, fields: readonly string[], endStream: boolean): void {
    if (this.end.phase >= EndPhase.Ending) return;
    this.headerWriter.writeResponse(stream.id, status, fields, endStream, this.peerSettings.maxFrameSize);
    if (endStream) this.sentEnd(stream);
    this.scheduleFlush();
  }

  bodyChanged(stream: H2Stream): void {
    this.scheduler.markReady(stream);
    if (stream.ready) this.scheduleFlush();
  }

  resetStream(stream: H2Stream, code: number): void {
    this.sendRst(stream.id, code);
    this.closeStream(stream, ClosedHow.ResetSent, code, undefined);
  }

  consumed(stream: H2Stream, n: number): void {
    this.creditConnection(n);
    if (canRecv(stream.state)) this.creditStream(stream, n);
  }

  // ── SchedulerHost ────────────────────────────────────────────────────────────────────────

  sentEnd(stream: H2Stream): void {
    stream.state = afterSendEnd(stream.state);
    if (stream.state === StreamState.Closed) this.closeStream(stream, ClosedHow.Ended, 0, undefined);
  }

  sendTrailers(stream: H2Stream): void {
    this.headerWriter.write(stream.id, stream.body.trailers, true, this.peerSettings.maxFrameSize);
  }

  // ── EndHost ──────────────────────────────────────────────────────────────────────────────

  sendGoaway(lastStreamId: number, errorCode: number, debug: string): void {
    const text = goawayDebug(debug);
    writeGoaway(this.writer.frame(FrameType.GOAWAY, 0, 0, goawayLength(text) - FRAME_HEADER_LENGTH), lastStreamId, errorCode, text);
    this.observer.onGoawaySent?.({ lastStreamId, errorCode, debug });
    this.scheduleFlush();
  }

  sendPing(opaque: Buffer): void {
    writePing(this.writer.frame(FrameType.PING, 0, 0, PING_LENGTH - FRAME_HEADER_LENGTH), opaque, false);
  }

  abortStreams(code: number): void {
    for (const stream of [...this.streams.values()]) this.closeStream(stream, ClosedHow.ResetSent, code, 'connection');
  }

  endTransport(): void {
    this.writer.end();
    this.scheduleFlush();
  }

  destroyTransport(): void {
    this.transport.destroy();
  }

  // ── outbound ─────────────────────────────────────────────────────────────────────────────

  protected sendPreface(): void {
    const entries = settingsEntries(this.announced);
    writeSettings(this.writer.frame(FrameType.SETTINGS, 0, 0, settingsLength(entries.length) - FRAME_HEADER_LENGTH), entries);
    this.settingsAck.sent(this.announced);
    const increment = this.recvWindow.fill();
    if (increment > 0) this.sendWindowUpdate(0, increment);
    this.scheduleFlush();
  }

  private sendRst(streamId: number, code: number): void {
    writeRstStream(this.writer.frame(FrameType.RST_STREAM, 0, streamId, RST_STREAM_LENGTH - FRAME_HEADER_LENGTH), streamId, code);
    this.scheduleFlush();
  }

  private sendWindowUpdate(streamId: number, increment: number): void {
    writeWindowUpdate(this.writer.frame(FrameType.WINDOW_UPDATE, 0, streamId, WINDOW_UPDATE_LENGTH - FRAME_HEADER_LENGTH), streamId, increment);
    this.scheduleFlush();
  }

  /** Bytes of the connection window nobody will consume any more (or just consumed). */
  private creditConnection(n: number): void {
    if (n <= 0 || this.end.phase >= EndPhase.Ending) return;
    const increment = this.recvWindow.consume(n);
    if (increment > 0) this.sendWindowUpdate(0, increment);
  }

  private creditStream(stream: H2Stream, n: number): void {
    const increment = stream.recvWindow.consume(n);
    if (increment > 0 && canRecv(stream.state)) this.sendWindowUpdate(stream.id, increment);
  }

  /** §6.9.2: a change of the peer's SETTINGS_INITIAL_WINDOW_SIZE applies to every open stream. */
  private resizeSendWindows(delta: number): void {
    for (const stream of this.streams.values()) {
      if (!stream.body.window.grow(delta)) throw new FrameError(ErrorCode.FLOW_CONTROL_ERROR, `SETTINGS_INITIAL_WINDOW_SIZE takes stream ${stream.id}'s window above 2^31-1`);
      this.scheduler.markReady(stream);
    }
  }

  /** Our SETTINGS took effect: HPACK table size and stream receive windows follow. */
  private localSettingsAcked(acked: LocalSettings): void {
    if (acked.headerTableSize < this.local.headerTableSize) this.decoder.setMaxTableSize(acked.headerTableSize);
    const delta = acked.initialWindowSize - this.local.initialWindowSize;
    if (delta !== 0) for (const stream of this.streams.values()) stream.recvWindow.resize(delta);
    this.local = acked;
  }

  protected scheduleFlush(): void {
    if (this.flushScheduled || this.end.phase === EndPhase.Closed) return;
    this.flushScheduled = true;
    setImmediate(this.flush);
  }

  /** Once per event-loop turn: DATA is cut within the windows and the budget, then everything goes out corked. */
  private readonly flush = (): void => {
    this.flushScheduled = false;
    if (this.end.phase === EndPhase.Closed) return;
    if (this.end.phase < EndPhase.Ending) this.scheduler.fill(this.peerSettings.maxFrameSize, this.opts.streamHighWaterMark);
    this.writer.flush();
    const drained = this.scheduler.drained;
    while (drained.length > 0) {
      const stream = drained.shift()!;
      if (stream.state === StreamState.Closed) continue;
      try {
        stream.handler.onDrain?.();
      } catch (err) {
        this.failOn(err);
      }
    }
  };

  // ── failure and end ──────────────────────────────────────────────────────────────────────

  private readPreface(chunk: Buffer): number {
    const offset = CLIENT_PREFACE.length - this.prefaceLeft;
    const n = Math.min(this.prefaceLeft, chunk.length);
    if (chunk.compare(CLIENT_PREFACE, offset, offset + n, 0, n) !== 0) {
      throw new FrameError(ErrorCode.PROTOCOL_ERROR, 'bad client connection preface');
    }
    this.prefaceLeft -= n;
    return n;
  }

  /** Runs `fn`; a connection error (or an application callback's exception) fails the connection. */
  protected guarded(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.failOn(err);
    }
  }

  /** What guarded() does with what `fn` threw. */
  private failOn(err: unknown): void {
    if (err instanceof FrameError) return this.fail(err.code, err.message, err);
    const error = err instanceof Error ? err : new Error(String(err));
    this.fail(ErrorCode.INTERNAL_ERROR, 'internal error', error);
  }

  private fail(code: number, reason: string, err: Error = new FrameError(code, reason)): void {
    if (this.end.phase >= EndPhase.Ending) return;
    this.observer.onError?.(err);
    this.end.fail(code, reason);
  }

  /** The one place the connection ends: the transport is gone. */
  private transportClosed(): void {
    if (this.end.phase === EndPhase.Closed) return;
    this.end.closed();
    this.reader.drop();
    this.abortStreams(ErrorCode.CANCEL);
    this.settingsAck.stop();
    this.writer.close();
    this.observer.onClose?.();
  }
}
