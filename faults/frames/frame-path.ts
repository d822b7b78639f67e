/**
 * The frame path: a Duplex between one client connection's real socket and its node:http2 server
 * session, so that h2race sees and shapes every frame.
 *
 *   real socket ──data──▶ InboundParser ──(validate, see RST/GOAWAY/SETTINGS, rst_delay)──▶ push ──▶ session
 *   session ──_writev──▶ OutboundFramer ──(1 copy into a pool lease)──▶ frame toxics ──▶ Link ──▶ real socket
 *
 * Lifecycle: a FramePath is created per accepted socket and lives as long as it. It ends in ONE
 * place, `_destroy`: the socket closing or failing, the session destroying its socket, or a
 * malformed frame (h2race queues its own GOAWAY, then closes through the session, whose end
 * flushes the link) or node:http2 failing the session (h2race's GOAWAY in place of the session's,
 * at its end) all end up there. `_destroy` drops what is queued (every lease gets its
 * `writeDone`), clears every timer, and releases the socket: destroyed now, unless the link's end
 * has begun its lingering close (h2/proto/lingering-close.ts), which then closes it within its
 * bounds, after the client has had the chance to read the last frame.
 */
import { Duplex } from 'node:stream';
import { EventEmitter } from 'node:events';
import type * as net from 'node:net';
import type * as http2 from 'node:http2';
import type { Logger } from 'pino';
import { ErrorCode, FRAME_HEADER_LENGTH, FrameFlag, FrameType, SettingId } from '../../h2/frame/constants.js';
import {
  FrameError,
  parseGoaway,
  parseRstStream,
  parseSettings,
  readFrameHeader,
  type FrameHeader,
  type Settings,
} from '../../h2/frame/codec.js';
import { encodeGoaway, encodeRstStream } from '../../h2/frame/encode.js';
import { InboundParser, type InboundFrame } from './inbound-parser.js';
import { sessionFailureGoaway, type SessionFailure } from './session-error.js';
import { FloodGuard, type FloodLimits } from '../../h2/proto/flood-guard.js';
import { DEFAULT_LINGER_POLICY, LingeringClose, type LingerPolicy } from '../../h2/proto/lingering-close.js';
import { OutboundFramer, type OutboundFrame } from './outbound-framer.js';
import { FrameToxicChain, type ToxicDecision } from './toxic-chain.js';
import { TimerSet } from './timer-set.js';
import { EndWitness } from './end-witness.js';
import { StreamWriteLedger } from './stream-write-ledger.js';
import type { BufferPool, Lease } from '../pool/types.js';
import type { Link, ToxicSpec } from '../link/types.js';
import { createDownstreamLink } from '../link/downstream-link.js';
import { followToxics, type ToxicSet } from '../link/toxic-set.js';
import type { SeededRandom } from '../random.js';

export interface FramePathEvents {
  /** A client RST_STREAM (or an injected one) as the session is about to see it. */
  reset: [{ streamId: number; errorCode: number; injected: boolean }];
  goaway: [{ lastStreamId: number; errorCode: number }];
  /** An error GOAWAY went to the client: the session's own, or h2race's (`own`). */
  'goaway-sent': [{ lastStreamId: number; errorCode: number; own: boolean }];
  settings: [{ settings: Settings; peerMaxFrameSize: number }];
  /** A frame toxic's decision (what it held, injected, ...), in order. */
  decision: [ToxicDecision];
  /** A malformed inbound frame failed the connection. */
  'frame-error': [FrameError];
  /** h2race ended the connection on purpose with this GOAWAY (end-witness.ts): at most once. */
  ended: [{ code: number; lastStreamId: number }];
  close: [];
}

export interface FramePathOptions {
  /** The connection's id, for logs and pool evidence. */
  id: number;
  pool: BufferPool;
  /**
   * Memory held for queued frames (pool buffer capacities, not frame lengths: a small frame in a
   * big buffer holds the big buffer) under which a session write is acknowledged at once; above
   * it, when enough has been written (the notes' middle policy).
   */
  backpressureBytes: number;
  logger: Logger;
  /** This connection's random stream; each toxic forks its own from it. */
  rng: SeededRandom;
  /** The proxy's toxics, followed live (a set) or fixed (a list): link-kind ones shape the
   * downstream link, frame-kind ones run here. */
  toxics?: ToxicSet | readonly ToxicSpec[];
  /** Overrides of the per-connection flood caps (h2/proto/flood-guard.ts). */
  floodLimits?: Partial<FloodLimits>;
  /** Overrides of how the socket ends after the last frame (h2/proto/lingering-close.ts). */
  linger?: Partial<LingerPolicy>;
}

export class FramePath extends Duplex {
  readonly events = new EventEmitter<FramePathEvents>();
  /** The client's SETTINGS_MAX_FRAME_SIZE. */
  peerMaxFrameSize = 16_384;
  /** Which of each stream's frames reached the socket: what the stream log reports. */
  readonly delivery = new StreamWriteLedger();
  private readonly link: Link;
  /** The socket's end: the link's end begins it, _destroy releases it. */
  private readonly closer: LingeringClose;
  private readonly parser = new InboundParser();
  private readonly framer: OutboundFramer;
  private readonly log: Logger;
  /** Leases not yet written, per stream: what a reset of that stream affects. */
  private readonly pendingByStream = new Map<number, Set<Lease>>();
  private queuedBytes = 0;
  private peakQueuedBytes = 0;
  private heldWriteCallback: (() => void) | undefined;
  private finalCallback: (() => void) | undefined;
  private session: http2.ServerHttp2Session | undefined;
  private readonly toxics: FrameToxicChain;
  /** Client RST_STREAMs held by rst_delay. */
  private readonly resetTimers = new TimerSet();
  private readonly pushQueue: Buffer[] = [];
  /** Streams whose response HEADERS have not gone out yet, with their :path. */
  private readonly awaitingResponse = new Map<number, { stream: http2.ServerHttp2Stream; path: string }>();
  private failed = false;
  /** An error GOAWAY went out (the session's or h2race's): the connection's last word, said once. */
  private errorGoawaySent = false;
  /** node:http2 is failing the session: the GOAWAY h2race sends for it when the session ends. */
  private sessionFailure: SessionFailure | undefined;
  /**
   * The highest stream the session handed to the proxy: GOAWAY's last-stream-id. Streams above it
   * (refused, malformed, not yet read) were never acted on, and the client may retry them (§6.8).
   */
  private lastStreamId = 0;
  private readonly unsubscribe: () => void;
  private readonly guard: FloodGuard;
  private readonly endWitness = new EndWitness((end) => this.events.emit('ended', end));

  constructor(private readonly socket: net.Socket, private readonly opts: FramePathOptions) {
    super();
    this.log = opts.logger.child({ conn: opts.id });
    this.guard = new FloodGuard(opts.floodLimits);
    // The session's setNoDelay() reaches this Duplex, not the socket (frame-path notes, pitfall 1).
    socket.setNoDelay(true);
    this.closer = new LingeringClose(socket, { ...DEFAULT_LINGER_POLICY, ...opts.linger });
    this.link = createDownstreamLink(socket, this.closer, opts.rng, opts.toxics);
    this.framer = new OutboundFramer(
      (header) => this.acquire(header),
      (frame) => this.onOutboundFrame(frame),
    );
    this.toxics = new FrameToxicChain(
      opts.rng,
      this.log,
      (frame) => this.enqueue(frame),
      (decision) => this.events.emit('decision', decision),
    );
    this.unsubscribe = followToxics(opts.toxics ?? [], (toxics) => this.toxics.set(toxics));
    socket.on('data', (chunk: Buffer) => this.onInbound(chunk));
    socket.on('end', () => this.destroy());
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
    socket.on('finish', () => this.finalCallback?.());
  }

  get id(): number {
    return this.opts.id;
  }

  /** Pool memory held by frames taken from the session and not yet written to the socket. */
  get pendingBytes(): number {
    return this.queuedBytes;
  }

  /** Frames of this stream taken from the session and not yet written to the socket. */
  pendingFrames(streamId: number): number {
    return this.pendingByStream.get(streamId)?.size ?? 0;
  }

  /** The most `pendingBytes` has been on this connection. */
  get peakPendingBytes(): number {
    return this.peakQueuedBytes;
  }

  /** Maps the session to this connection; its streams feed rst_inject once their responses start. */
  attachSession(session: http2.ServerHttp2Session): void {
    this.session = session;
    // node:http2 fails a session by destroying it with the error, and the GOAWAY its destroy
    // queues is lost when a write of the session's is in flight (nghttp2 is mid-send, and a
    // destroyed session never sends again); its 'error' event comes only after this Duplex is
    // gone. So the frame path learns of the failure from the destroy call itself.
    const destroy = session.destroy.bind(session);
    session.destroy = (error?: Error, code?: number): void => {
      if (error) this.onSessionFailing(error, code);
      destroy(error, code);
    };
    session.on('stream', (stream, headers) => {
      const id = stream.id;
      if (id === undefined) return;
      if (id > this.lastStreamId) this.lastStreamId = id;
      this.awaitingResponse.set(id, { stream, path: String(headers[':path'] ?? '') });
      stream.once('close', () => this.awaitingResponse.delete(id));
    });
  }

  // ── outbound ──────────────────────────────────────────────────────────────────────────────

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this._writev([{ chunk }], cb);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, cb: (err?: Error | null) => void): void {
    // After a malformed frame our own GOAWAY is the last word; the session's closing output is dropped.
    if (this.failed) return cb();
    // A link without toxics writes each frame to the socket at once: corked, a batch is one writev.
    this.socket.cork();
    for (const { chunk } of chunks) this.framer.feed(chunk);
    this.toxics.flush();
    if (this.queuedBytes <= this.opts.backpressureBytes) cb();
    else this.heldWriteCallback = cb;
    this.socket.uncork();
  }

  override _final(cb: (err?: Error | null) => void): void {
    // The failed session's last frames are queued: its GOAWAY follows them.
    if (this.sessionFailure) this.sendGoaway(this.sessionFailure.code, this.sessionFailure.reason);
    this.toxics.flush();
    // Done once the link has written everything and ended the socket (its 'finish').
    this.finalCallback = () => {
      this.finalCallback = undefined;
      cb();
    };
    this.link.end();
  }

  private acquire(header: FrameHeader): Lease {
    const lease = this.opts.pool.acquire(FRAME_HEADER_LENGTH + header.length, {
      connection: this.opts.id,
      streamId: header.streamId,
      frameType: header.type,
    });
    let pending = this.pendingByStream.get(header.streamId);
    if (!pending) this.pendingByStream.set(header.streamId, (pending = new Set()));
    pending.add(lease);
    this.delivery.queued(header);
    this.queuedBytes += lease.buffer.length;
    if (this.queuedBytes > this.peakQueuedBytes) this.peakQueuedBytes = this.queuedBytes;
    return lease;
  }

  private onOutboundFrame(frame: OutboundFrame): void {
    const { header, lease } = frame;
    if (header.type === FrameType.GOAWAY && !this.seeOwnGoaway(lease)) {
      this.frameWritten(frame);
      return;
    }
    const starting = header.type === FrameType.HEADERS ? this.awaitingResponse.get(header.streamId) : undefined;
    if (starting) {
      // A seek cancels a response under way: rst_inject's clock starts with the response.
      this.awaitingResponse.delete(header.streamId);
      const id = header.streamId;
      this.toxics.responseStarted({ id, path: starting.path }, () => this.cancelStream(starting.stream, id));
    }
    if (header.type === FrameType.SETTINGS && !(header.flags & FrameFlag.ACK)) {
      // The session's own SETTINGS: what frame size the client may send us.
      const settings = parseSettings(lease.buffer.subarray(FRAME_HEADER_LENGTH, lease.length));
      const max = settings.get(SettingId.MAX_FRAME_SIZE);
      if (max !== undefined && max > this.parser.maxFrameSize) this.parser.maxFrameSize = max;
    }
    this.toxics.send(frame);
  }

  /** The session's GOAWAY: whether it goes out (not when h2race speaks for a failing session). */
  private seeOwnGoaway(lease: Lease): boolean {
    if (this.sessionFailure) return false;
    const { errorCode, lastStreamId } = parseGoaway(lease.buffer.subarray(FRAME_HEADER_LENGTH, lease.length));
    this.endWitness.ownGoaway(errorCode, lastStreamId);
    if (errorCode !== ErrorCode.NO_ERROR) {
      this.errorGoawaySent = true;
      this.events.emit('goaway-sent', { lastStreamId, errorCode, own: false });
      this.closeAfterErrorGoaway(errorCode);
    }
    return true;
  }

  /**
   * §5.4.1: after a GOAWAY for an error the endpoint MUST close the connection. node:http2 sends
   * it (e.g. COMPRESSION_ERROR for a bad header block) and then keeps the socket open for as long
   * as the client likes. Destroying the session ends this Duplex, and its end flushes the link
   * (the GOAWAY included); deferred, since the session is inside a write of its own.
   */
  private closeAfterErrorGoaway(errorCode: number): void {
    setImmediate(() => {
      if (!this.session || this.session.destroyed || this.destroyed) return;
      this.log.debug({ code: errorCode }, 'session sent an error GOAWAY; closing the connection');
      this.session.destroy();
    });
  }

  private enqueue(frame: OutboundFrame): void {
    if (this.destroyed) {
      this.frameWritten(frame);
      return;
    }
    const { lease } = frame;
    this.link.enqueue({ data: lease.buffer.subarray(0, lease.length), done: (err) => this.frameWritten(frame, err === undefined) });
  }

  /** The one place a lease leaves the frame path: `written` to the socket, or dropped. */
  private frameWritten({ header, lease }: OutboundFrame, written = false): void {
    this.delivery.settled(header, written);
    const pending = this.pendingByStream.get(header.streamId);
    if (pending?.delete(lease) && pending.size === 0) this.pendingByStream.delete(header.streamId);
    this.opts.pool.writeDone(lease);
    this.queuedBytes -= lease.buffer.length;
    if (this.heldWriteCallback && this.queuedBytes <= this.opts.backpressureBytes) {
      const cb = this.heldWriteCallback;
      this.heldWriteCallback = undefined;
      cb();
    }
  }

  /**
   * node:http2 is destroying the session for `error` (an abusive or invalid client, as the session
   * judged it). Its own GOAWAY would say INTERNAL_ERROR, if it got out at all: h2race sends one
   * with the cause at the session's end instead (_final), after every frame the session wrote.
   * A destroy with NO_ERROR (the client's own error GOAWAY) owes the client nothing.
   */
  private onSessionFailing(error: Error, code: number | undefined): void {
    if (code === ErrorCode.NO_ERROR || this.failed || this.errorGoawaySent || this.writableEnded || this.destroyed) return;
    this.sessionFailure = sessionFailureGoaway(error);
    this.log.warn({ code: this.sessionFailure.code, err: error.message }, 'node:http2 failed the session; failing the connection');
  }

  /** Sends a frame of h2race's own (an injected RST_STREAM) through the pool like any other. */
  private sendOwnFrame(bytes: Buffer): void {
    const header = readFrameHeader(bytes);
    const lease = this.acquire(header);
    bytes.copy(lease.buffer);
    this.toxics.send({ header, lease });
    this.toxics.flush();
  }

  // ── inbound ───────────────────────────────────────────────────────────────────────────────

  override _read(): void {
    if (this.socket.isPaused()) this.socket.resume();
  }

  private onInbound(chunk: Buffer): void {
    // Once the connection is failing or the session has written its last frame, what the client
    // sends is never read (a lingering close drops it).
    if (this.failed || this.sessionFailure || this.destroyed || this.writableEnded) return;
    try {
      this.parser.feed(
        chunk,
        (preface) => this.pushQueue.push(preface),
        (frame) => this.onInboundFrame(frame),
      );
    } catch (err) {
      this.pushQueued();
      if (err instanceof FrameError) this.fail(err);
      else this.destroy(err as Error);
      return;
    }
    this.pushQueued();
  }

  private onInboundFrame(frame: InboundFrame): void {
    const { header, bytes } = frame;
    this.guard.check(header, performance.now());
    switch (header.type) {
      case FrameType.RST_STREAM: {
        const delay = this.toxics.inboundResetDelay(header.streamId);
        if (delay > 0) {
          const held = Buffer.from(bytes);
          this.resetTimers.add(delay, () => this.deliverReset(held, false));
          return;
        }
        this.seeReset(header.streamId, parseRstStream(bytes.subarray(FRAME_HEADER_LENGTH)).errorCode, false);
        break;
      }
      case FrameType.GOAWAY:
        this.endWitness.peerGoaway();
        this.events.emit('goaway', parseGoaway(bytes.subarray(FRAME_HEADER_LENGTH)));
        break;
      case FrameType.SETTINGS:
        if (!(header.flags & FrameFlag.ACK)) {
          const settings = parseSettings(bytes.subarray(FRAME_HEADER_LENGTH));
          this.peerMaxFrameSize = settings.get(SettingId.MAX_FRAME_SIZE) ?? this.peerMaxFrameSize;
          this.events.emit('settings', { settings, peerMaxFrameSize: this.peerMaxFrameSize });
        }
        break;
    }
    this.pushQueue.push(bytes);
  }

  /** Hands a RST_STREAM frame to the session outside the normal flow (held or injected). */
  private deliverReset(frame: Buffer, injected: boolean): void {
    if (this.failed || this.destroyed) return;
    this.seeReset(readFrameHeader(frame).streamId, parseRstStream(frame.subarray(FRAME_HEADER_LENGTH)).errorCode, injected);
    this.pushQueue.push(frame);
    this.pushQueued();
  }

  /** The session is about to see a reset: the pool strategy decides what happens to the stream's queued buffers. */
  private seeReset(streamId: number, errorCode: number, injected: boolean): void {
    this.events.emit('reset', { streamId, errorCode, injected });
    if (injected) this.delivery.injectedCancel(streamId);
    const pending = this.pendingByStream.get(streamId);
    if (!pending) return;
    // Each lease is reset at most once: later frames of this stream start a new set.
    this.pendingByStream.delete(streamId);
    for (const lease of pending) this.opts.pool.streamReset(lease);
  }

  /** rst_inject: the session sees RST_STREAM(CANCEL) from the client, the client one from the server. */
  private cancelStream(stream: http2.ServerHttp2Stream, id: number): void {
    if (this.failed || this.destroyed) return;
    const open = !stream.closed && !stream.destroyed;
    // A stream the session has finished is still a browser's to cancel while its frames are on
    // the way; once they are all written, the client has it all and there is nothing to seek from.
    if (!open && !this.pendingByStream.has(id)) return;
    const sendClientRst = (): void => {
      if (!this.destroyed && !this.writableEnded) this.sendOwnFrame(encodeRstStream(id, ErrorCode.CANCEL));
    };
    this.deliverReset(encodeRstStream(id, ErrorCode.CANCEL), true);
    // The client's RST follows every frame the session wrote for the stream: once it is closed.
    if (open) stream.once('close', sendClientRst);
    else sendClientRst();
  }

  /** Hands the queued bytes to the session; views adjacent in one chunk go as one push. */
  private pushQueued(): void {
    const queue = this.pushQueue;
    if (queue.length === 0) return;
    let first = queue[0]!;
    let end = first.byteOffset + first.length;
    let more = true;
    for (let i = 1; i < queue.length; i++) {
      const next = queue[i]!;
      if (next.buffer === first.buffer && next.byteOffset === end) {
        end += next.length;
      } else {
        more = this.pushRun(first, end) && more;
        first = next;
        end = next.byteOffset + next.length;
      }
    }
    more = this.pushRun(first, end) && more;
    queue.length = 0;
    if (!more) this.socket.pause();
  }

  /** Pushes `first` extended to `end` in its memory: one view for the run, not one per frame in it. */
  private pushRun(first: Buffer, end: number): boolean {
    const length = end - first.byteOffset;
    return this.push(length === first.length ? first : Buffer.from(first.buffer, first.byteOffset, length));
  }

  // ── ending ────────────────────────────────────────────────────────────────────────────────

  /**
   * A malformed frame: h2race sends GOAWAY with its code itself (the session's own GOAWAY is lost
   * when the session is destroyed while one of its writes is in flight), then the connection
   * closes through the session, which ends this Duplex once the link has flushed the GOAWAY.
   */
  private fail(err: FrameError): void {
    this.log.warn({ code: err.code, err: err.message }, 'malformed frame from client; failing the connection');
    this.events.emit('frame-error', err);
    this.sendGoaway(err.code, err.message);
    this.failed = true;
    if (this.session && !this.session.destroyed) {
      this.session.destroy();
    } else {
      this.socket.once('finish', () => this.destroy());
      this.link.end();
    }
  }

  /** h2race's own error GOAWAY, unless one was sent already. */
  private sendGoaway(code: number, debug: string): void {
    if (this.errorGoawaySent) return;
    this.errorGoawaySent = true;
    this.sendOwnFrame(encodeGoaway(this.lastStreamId, code, debug));
    this.endWitness.ownGoaway(code, this.lastStreamId);
    this.events.emit('goaway-sent', { lastStreamId: this.lastStreamId, errorCode: code, own: true });
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.unsubscribe();
    this.resetTimers.clear();
    this.toxics.dispose((frame) => this.frameWritten(frame));
    const partial = this.framer.abandon();
    if (partial) this.frameWritten(partial);
    this.link.destroy(err ?? new Error('connection closed'));
    this.closer.release();
    const held = this.heldWriteCallback;
    this.heldWriteCallback = undefined;
    held?.();
    this.finalCallback?.();
    this.events.emit('close');
    cb(err);
  }
}
