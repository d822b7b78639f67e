/**
 * A client connection served by h2race's own HTTP/2 engine, with the faults h2race puts on it:
 * the engine generates every frame into a lease of the proxy's pool (the pool's mode decides
 * what a client reset does to a pending write: the Jetty race), its frames pass the frame toxics
 * (reorder) and the downstream link, and its inbound frames the inbound toxics (rst_delay).
 *
 *   socket ──▶ engine (flood guard, protocol) ◀── inbound hook: rst_delay holds client RST_STREAMs
 *   engine writer ──outbound hook: frame toxics, rst_inject's clock──▶ LinkTransport ──▶ Link ──▶ socket
 *
 * Reports, metrics and tests read a connection through it: its events, pending bytes and frames
 * per stream, and the stream-write ledger.
 *
 * Lifecycle: one per accepted socket, as long as it lives. It ends in one place, the engine's
 * onClose (the socket closed; the transport dropped what it held first): the toxic chain is
 * disposed (held frames are dropped through the engine's writer), the held resets' timers are
 * cleared, and 'close' is emitted.
 */
import { EventEmitter } from 'node:events';
import type * as net from 'node:net';
import type { Logger } from 'pino';
import { DEFAULT_MAX_FRAME_SIZE, ErrorCode, FRAME_HEADER_LENGTH, FrameType } from '../../h2/frame/constants.js';
import { FrameError, readFrameHeader, type FrameHeader } from '../../h2/frame/codec.js';
import { encodeRstStream } from '../../h2/frame/encode.js';
import { Connection } from '../../h2/proto/connection.js';
import { StreamTable } from '../../h2/proto/stream-table.js';
import { LingeringClose, type LingerPolicy } from '../../h2/proto/lingering-close.js';
import type { ConnectionObserver, ConnectionOptions, InboundHook, ServerHandler } from '../../h2/proto/connection-options.js';
import type { EmitFrame, OutboundHook } from '../../h2/proto/frame-writer.js';
import type { ServerStream } from '../../h2/proto/stream.js';
import { createDownstreamLink } from '../../faults/link/downstream-link.js';
import { followToxics, type ToxicSet } from '../../faults/link/toxic-set.js';
import type { Link, ToxicSpec } from '../../faults/link/types.js';
import type { BufferPool } from '../../faults/pool/types.js';
import type { SeededRandom } from '../../faults/random.js';
import { LinkTransport } from './link-transport.js';
import { StreamWriteLedger } from './stream-write-ledger.js';
import { TimerSet } from '../../faults/toxics/timer-set.js';
import { FrameToxicChain, type ToxicDecision } from '../../faults/toxics/frame-toxic-chain.js';

export interface EnginePathEvents {
  /** A client RST_STREAM (or an injected one) as the engine is about to see it. */
  reset: [{ streamId: number; errorCode: number; injected: boolean }];
  /** A frame toxic's decision (what it held, injected, ...), in order. */
  decision: [ToxicDecision];
  /** A malformed inbound frame failed the connection. */
  'frame-error': [FrameError];
  close: [];
}

interface Tunnel {
  stream: ServerStream;
  /** Its frames in the toxic chain: entered by the outbound hook, not yet out to the writer. */
  inChain: number;
}

/** The faults around one connection; the engine's own settings and flood caps come in its ConnectionOptions. */
export interface EnginePathOptions {
  /** The connection's id, for logs and pool evidence. */
  id: number;
  pool: BufferPool;
  /**
   * Bytes of frames ahead of the socket (queued in the engine, or handed to the link and not yet
   * written) beyond which the engine's DATA waits: its maxSendAheadBytes, at least one full frame.
   */
  backpressureBytes: number;
  logger: Logger;
  /** This connection's random stream; each toxic forks its own from it. */
  rng: SeededRandom;
  /** The proxy's toxics, followed live (a set) or fixed (a list): link-kind ones shape the
   * downstream link, frame-kind ones run here. */
  toxics?: ToxicSet | readonly ToxicSpec[];
  /** Overrides of how the socket ends after the last frame (h2/proto/lingering-close.ts). */
  linger?: Partial<LingerPolicy>;
}

export class EnginePath {
  readonly events = new EventEmitter<EnginePathEvents>();
  readonly delivery = new StreamWriteLedger();
  readonly connection: Connection;
  private readonly link: Link;
  private readonly transport: LinkTransport;
  private readonly toxics: FrameToxicChain;
  private readonly resetTimers = new TimerSet();
  private readonly unsubscribe: () => void;
  /**
   * Tunnel streams (extended CONNECT: WebSockets), which frame toxics leave alone unless asked.
   * One is held from its HEADERS until its stream has ended and none of its frames is in the
   * toxic chain or the link (tunnelSettled, the one place it is dropped).
   */
  private readonly tunnels = new Map<number, Tunnel>();
  /**
   * Streams whose response HEADERS have not gone out yet, and their :path: rst_inject's clock
   * starts there (not a Map: see stream-table.ts; two tables, not an object per stream).
   */
  private readonly awaitingResponse = new StreamTable<ServerStream>();
  private readonly awaitingPath = new StreamTable<string>();
  /** The engine writer's way to the transport, for frames the toxics emit. */
  private toWriter: EmitFrame | undefined;
  private closed = false;

  constructor(socket: net.Socket, private readonly opts: EnginePathOptions, handler: ServerHandler, options: ConnectionOptions) {
    const log = opts.logger.child({ conn: opts.id });
    this.link = createDownstreamLink(socket, new LingeringClose(socket, opts.linger), opts.rng, opts.toxics);
    this.transport = new LinkTransport(socket, this.link, this.delivery, (streamId) => this.tunnelSettled(streamId));
    this.toxics = new FrameToxicChain(
      opts.rng,
      log,
      (frame) => {
        const tunnel = this.tunnelOf(frame.header.streamId);
        if (tunnel) tunnel.inChain--;
        this.toWriter!(frame);
      },
      (decision) => this.events.emit('decision', decision),
      (streamId) => this.tunnels.has(streamId),
    );
    this.unsubscribe = followToxics(opts.toxics ?? [], (toxics) => this.toxics.set(toxics));
    const observer = options.observer ?? {};
    this.connection = new Connection(this.transport, this.watch(handler), {
      ...options,
      id: opts.id,
      pool: opts.pool,
      // The link's bottleneck queue, when it has one, holds the writer first (link-transport.ts);
      // under one full frame of budget DATA would never go.
      maxSendAheadBytes: Math.max(opts.backpressureBytes, FRAME_HEADER_LENGTH + DEFAULT_MAX_FRAME_SIZE),
      linger: opts.linger,
      inboundHook: this.inboundHook,
      outboundHook: this.outboundHook,
      observer: this.observe(observer),
    });
  }

  get id(): number {
    return this.opts.id;
  }

  /** The connection is over. */
  get destroyed(): boolean {
    return this.closed;
  }

  /** Pool memory of frames handed to the link and not yet written to the socket. */
  get pendingBytes(): number {
    return this.transport.pendingBytes;
  }

  get peakPendingBytes(): number {
    return this.transport.peakPendingBytes;
  }

  /** The deepest the downstream link's bottleneck queue (its backlog) has been, bytes. */
  get peakQueueBytes(): number {
    return this.link.peakBacklogBytes;
  }

  /** Tunnel streams held now: open, or ended with frames on their way to the socket. */
  get tunnelCount(): number {
    return this.tunnels.size;
  }

  /** Frames of this stream handed to the link and not yet written to the socket. */
  pendingFrames(streamId: number): number {
    return this.transport.pendingFrames(streamId);
  }

  /** Cuts the connection now: what is queued is dropped (every lease ends). */
  destroy(): void {
    this.transport.destroy(new Error('h2race closed the connection'));
  }

  /**
   * Notes each stream's :path until its response starts (rst_inject matches on it) or an
   * RST_STREAM ends it either way (seeReset, outboundHook): the engine tells a handler nothing of
   * a reset the server made itself (a refused stream, the proxy's cancel), so the frames do.
   */
  private watch(handler: ServerHandler): ServerHandler {
    return {
      onStream: (stream, head) => {
        this.awaitingResponse.set(stream.id, stream);
        this.awaitingPath.set(stream.id, head.path);
        if (head.protocol !== '') this.tunnels.set(stream.id, { stream, inChain: 0 });
        return handler.onStream(stream, head);
      },
    };
  }

  private observe(observer: ConnectionObserver): ConnectionObserver {
    return {
      ...observer,
      onError: (err) => {
        if (err instanceof FrameError) this.events.emit('frame-error', err);
        observer.onError?.(err);
      },
      onClose: () => {
        this.end();
        observer.onClose?.();
      },
    };
  }

  private readonly inboundHook: InboundHook = {
    inbound: (header, frame, deliver) => {
      if (header.type !== FrameType.RST_STREAM) return deliver(header, frame);
      const delay = this.toxics.inboundResetDelay(header.streamId);
      if (delay <= 0) {
        this.seeReset(header.streamId, frame.readUInt32BE(9), false);
        return deliver(header, frame);
      }
      const held = Buffer.from(frame);
      this.resetTimers.add(delay, () => {
        this.seeReset(header.streamId, held.readUInt32BE(9), false);
        deliver(header, held);
      });
    },
  };

  private readonly outboundHook: OutboundHook = {
    outbound: (frame, emit) => {
      this.toWriter = emit;
      const tunnel = this.tunnelOf(frame.header.streamId);
      if (tunnel) tunnel.inChain++;
      if (frame.header.type === FrameType.HEADERS) this.responseHeaders(frame.header);
      else if (frame.header.type === FrameType.RST_STREAM) this.responseNotAwaited(frame.header.streamId);
      this.toxics.send(frame);
    },
    flush: (emit) => {
      this.toWriter = emit;
      this.toxics.flush();
      if (this.tunnels.size > 0) for (const id of this.tunnels.keys()) this.tunnelSettled(id);
    },
  };

  /** Asked per frame, going into the chain, out of it and out of the link: most connections have no tunnel, and then no lookup is made. */
  private tunnelOf(streamId: number): Tunnel | undefined {
    return this.tunnels.size === 0 ? undefined : this.tunnels.get(streamId);
  }

  /**
   * The one place a tunnel is dropped: its stream has ended and none of its frames is in the
   * toxic chain or the link. Asked when one of its frames leaves the link, and after each flush
   * (by then every frame the engine made for a stream that ended has entered the chain).
   */
  private tunnelSettled(streamId: number): void {
    const tunnel = this.tunnelOf(streamId);
    if (tunnel?.stream.closed && tunnel.inChain === 0 && this.transport.pendingFrames(streamId) === 0) this.tunnels.delete(streamId);
  }

  /** A response head is going out: rst_inject's clock starts (interim heads included, as a browser sees them). */
  private responseHeaders(header: FrameHeader): void {
    const id = header.streamId;
    const stream = this.awaitingResponse.get(id);
    if (!stream) return;
    const path = this.awaitingPath.get(id)!;
    this.responseNotAwaited(id);
    if (!this.toxics.watchesResponses) return;
    this.toxics.responseStarted({ id, path }, () => this.cancelStream(stream, id));
  }

  private responseNotAwaited(streamId: number): void {
    this.awaitingResponse.delete(streamId);
    this.awaitingPath.delete(streamId);
  }

  private seeReset(streamId: number, errorCode: number, injected: boolean): void {
    this.responseNotAwaited(streamId);
    this.events.emit('reset', { streamId, errorCode, injected });
    if (injected) this.delivery.injectedCancel(streamId);
  }

  /**
   * rst_inject: the engine sees RST_STREAM(CANCEL) from the client (its pool hears of the
   * stream's pending writes: the race), and the client gets one from the server, after every
   * frame written for the stream so far.
   */
  private cancelStream(stream: ServerStream, id: number): void {
    if (this.closed) return;
    // A finished stream is still a browser's to cancel while its frames are on the way.
    if (stream.closed && this.transport.pendingFrames(id) === 0) return;
    this.seeReset(id, ErrorCode.CANCEL, true);
    this.connection.injectInbound(encodeRstStream(id, ErrorCode.CANCEL));
    this.sendOwnFrame(encodeRstStream(id, ErrorCode.CANCEL));
  }

  /** A frame of h2race's own, born in the pool like the engine's and written through the link. */
  private sendOwnFrame(bytes: Buffer): void {
    if (this.closed) return;
    const header = readFrameHeader(bytes);
    const lease = this.opts.pool.acquire(bytes.length, { connection: this.opts.id, streamId: header.streamId, frameType: header.type });
    bytes.copy(lease.buffer);
    this.transport.write(lease.bytes, () => this.opts.pool.writeDone(lease));
  }

  /** The one place the path ends: the engine's connection is over. */
  private end(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    this.resetTimers.clear();
    const drop = this.toWriter;
    this.toxics.dispose((frame) => drop?.(frame));
    this.events.emit('close');
  }
}
