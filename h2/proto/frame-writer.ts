/**
 * The connection's outbound frames, from birth in a pool lease to the transport's `done`.
 *
 *   frame() ──▶ queue ──flush (once per turn, corked)──▶ [outbound hook] ──▶ transport.write
 *     │ acquire + header                                                        │
 *     └── payload filled by the caller                     done ──▶ pool.writeDone (exactly once)
 *
 *   peer RST_STREAM(S) ──▶ streamReset(S): pool.streamReset for every lease of S past the queue
 *                          whose write is not done (the Jetty race window); S's DATA still in the
 *                          queue is dropped (writeDone without a write).
 *
 * Lifecycle: owned by one connection. Phases: Open → Ending (`end`: the next flush is the last,
 * then transport.end) → Ended; `close` (the transport is gone) from any phase drops what is queued.
 * A lease ends in exactly one place, `done`, whether written or dropped.
 */
import { FRAME_HEADER_LENGTH, FrameType } from '../frame/constants.js';
import { writeFrameHeader, type FrameHeader } from '../frame/codec.js';
import type { FramePool, Lease } from './frame-pool.js';
import type { Transport } from './transport.js';

export interface OutboundFrame {
  header: FrameHeader;
  /** Holds the frame in [0, lease.length). */
  lease: Lease;
}

export type EmitFrame = (frame: OutboundFrame) => void;

/** Where a frame toxic (reorder) sits: between the writer's queue and the transport. */
export interface OutboundHook {
  /** Each frame in generation order; emit every frame exactly once, now or later. */
  outbound(frame: OutboundFrame, emit: EmitFrame): void;
  /** A flush ended: emit what is held that may not wait for more frames. */
  flush?(emit: EmitFrame): void;
}

const WriterPhase = { Open: 0, Ending: 1, Ended: 2, Closed: 3 } as const;
type WriterPhase = (typeof WriterPhase)[keyof typeof WriterPhase];

export class FrameWriter {
  /** Frames sent per type (index: frame type; the last slot counts unknown types). */
  readonly framesSent = new Array<number>(FrameType.PRIORITY_UPDATE + 2).fill(0);
  private queue: OutboundFrame[] = [];
  private queuedBytes = 0;
  /** Leases past the queue (in the hook or the transport) whose write is not done, per stream. */
  private readonly pendingByStream = new Map<number, Set<Lease>>();
  /** Bytes past the queue whose write is not done. */
  private aheadBytes = 0;
  private phase: WriterPhase = WriterPhase.Open;
  /** DATA waits for room: a `done` that frees half the budget calls onRoom. */
  private waitingForRoom = false;
  private readonly toTransport: EmitFrame = (frame) => this.write(frame);

  constructor(
    private readonly connection: number,
    private readonly pool: FramePool,
    private readonly transport: Transport,
    /** Most bytes of frames ahead of the transport (queued or written, not done) before DATA waits. */
    private readonly maxAheadBytes: number,
    private readonly onRoom: () => void,
    private hook: OutboundHook | undefined,
  ) {}

  /** Payload bytes one more DATA frame may carry under the budget; marks the writer as waiting when none. */
  dataRoom(): number {
    const room = this.maxAheadBytes - this.aheadBytes - this.queuedBytes - FRAME_HEADER_LENGTH;
    if (room <= 0) this.waitingForRoom = true;
    return room;
  }

  /** Frames waiting in the queue or in flight: what the connection's end waits for. */
  get idle(): boolean {
    return this.queue.length === 0 && this.aheadBytes === 0;
  }

  setHook(hook: OutboundHook | undefined): void {
    this.hook = hook;
  }

  /**
   * A new frame with a `payloadLength` payload: a lease is acquired, the header written, the
   * frame queued. Returns the lease's buffer: the caller writes the payload at
   * [9, 9 + payloadLength) before returning to the event loop.
   */
  frame(type: number, flags: number, streamId: number, payloadLength: number): Buffer {
    // Nothing follows the end: a frame made after it is never born in the pool, nor sent.
    if (this.phase >= WriterPhase.Ended) return Buffer.allocUnsafe(FRAME_HEADER_LENGTH + payloadLength);
    const header = { length: payloadLength, type, flags, streamId };
    const lease = this.pool.acquire(FRAME_HEADER_LENGTH + payloadLength, { connection: this.connection, streamId, frameType: type });
    writeFrameHeader(lease.buffer, header);
    this.queue.push({ header, lease });
    this.queuedBytes += lease.length;
    return lease.buffer;
  }

  /** Hands the queue to the transport in one corked batch; the caller schedules it once per turn. */
  flush(): void {
    if (this.queue.length === 0 || this.phase === WriterPhase.Ended || this.phase === WriterPhase.Closed) {
      this.endIfEnding();
      return;
    }
    const batch = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    const hook = this.hook;
    this.transport.cork();
    for (const frame of batch) {
      this.trackPending(frame);
      if (hook) hook.outbound(frame, this.toTransport);
      else this.write(frame);
    }
    hook?.flush?.(this.toTransport);
    this.transport.uncork();
    this.endIfEnding();
  }

  /**
   * The peer reset `streamId`: the pool hears of each of its leases still pending (each at most
   * once: leases of later frames start a new set), and its DATA not yet past the queue is
   * dropped. HEADERS and CONTINUATION stay: the peer's HPACK decoder must see every block.
   */
  streamReset(streamId: number): void {
    const pending = this.pendingByStream.get(streamId);
    if (pending) {
      this.pendingByStream.delete(streamId);
      for (const lease of pending) this.pool.streamReset(lease);
    }
    if (this.queue.some((f) => f.header.streamId === streamId && f.header.type === FrameType.DATA)) {
      this.queue = this.queue.filter((frame) => {
        if (frame.header.streamId !== streamId || frame.header.type !== FrameType.DATA) return true;
        this.queuedBytes -= frame.lease.length;
        this.pool.writeDone(frame.lease);
        return false;
      });
    }
  }

  /** The next flush is the last: then the transport ends, once everything written is out. */
  end(): void {
    if (this.phase === WriterPhase.Open) this.phase = WriterPhase.Ending;
  }

  /** The transport is gone: what is queued is dropped; writes past the queue end through their `done`. */
  close(): void {
    this.phase = WriterPhase.Closed;
    for (const frame of this.queue) this.pool.writeDone(frame.lease);
    this.queue = [];
    this.queuedBytes = 0;
  }

  private endIfEnding(): void {
    if (this.phase !== WriterPhase.Ending) return;
    this.phase = WriterPhase.Ended;
    this.transport.end();
  }

  private trackPending(frame: OutboundFrame): void {
    this.aheadBytes += frame.lease.length;
    const streamId = frame.header.streamId;
    if (streamId === 0) return;
    let pending = this.pendingByStream.get(streamId);
    if (!pending) this.pendingByStream.set(streamId, (pending = new Set()));
    pending.add(frame.lease);
  }

  private write(frame: OutboundFrame): void {
    // A frame a hook emits after the transport ended or went is dropped: nothing may follow the end.
    if (this.phase === WriterPhase.Ended || this.phase === WriterPhase.Closed) {
      this.done(frame);
      return;
    }
    const { header, lease } = frame;
    this.framesSent[header.type <= FrameType.PRIORITY_UPDATE ? header.type : this.framesSent.length - 1]!++;
    this.transport.write(lease.buffer.subarray(0, lease.length), () => this.done(frame));
  }

  /** The one place a lease leaves the writer. */
  private done(frame: OutboundFrame): void {
    const { header, lease } = frame;
    const pending = this.pendingByStream.get(header.streamId);
    if (pending?.delete(lease) && pending.size === 0) this.pendingByStream.delete(header.streamId);
    this.aheadBytes -= lease.length;
    this.pool.writeDone(lease);
    if (this.waitingForRoom && this.aheadBytes + this.queuedBytes <= this.maxAheadBytes / 2) {
      this.waitingForRoom = false;
      this.onRoom();
    }
  }
}
