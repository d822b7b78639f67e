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
import { writeFrameHeader } from '../frame/codec.js';
import type { FramePool } from './frame-pool.js';
import { PendingFrames, WriterFrame, type OutboundFrame } from './pending-frames.js';
import type { Transport } from './transport.js';

export type EmitFrame = (frame: OutboundFrame) => void;

/**
 * Where a frame toxic (reorder) sits: between the writer's queue and the transport. Header blocks
 * (HEADERS, CONTINUATION) must keep their relative order: the peer's HPACK decoder follows it.
 */
export interface OutboundHook {
  /** Each frame in generation order; emit every frame exactly once, now or later. */
  outbound(frame: OutboundFrame, emit: EmitFrame): void;
  /** A flush ended: emit what is held that may not wait for more frames. */
  flush?(emit: EmitFrame): void;
}

/**
 * The least DATA payload a transport's hold lets through once it has any room: the hold is exact
 * to this (a byte of room does not make a frame of one byte).
 */
const MIN_HELD_PAYLOAD = 1024;

const WriterPhase = { Open: 0, Ending: 1, Ended: 2, Closed: 3 } as const;
type WriterPhase = (typeof WriterPhase)[keyof typeof WriterPhase];

export class FrameWriter {
  /** Frames sent per type (index: frame type; the last slot counts unknown types). */
  readonly framesSent = new Array<number>(FrameType.PRIORITY_UPDATE + 2).fill(0);
  private queue: OutboundFrame[] = [];
  private queuedBytes = 0;
  private readonly pending = new PendingFrames();
  /** Bytes past the queue whose write is not done. */
  private aheadBytes = 0;
  private phase: WriterPhase = WriterPhase.Open;
  /** DATA waits for room: a `done` that frees half the budget calls onRoom. */
  private waitingForRoom = false;
  private readonly toTransport: EmitFrame = (frame) => this.write(frame);
  /**
   * The frames a flush writes, in order: only the last write carries a `done`, which finishes them
   * all (a transport completes writes in order) — one callback per turn, not one per frame.
   */
  private batch: OutboundFrame[] | undefined;
  /** The batch's latest frame, written when the next one comes or the batch ends. */
  private latest: OutboundFrame | undefined;

  constructor(
    private readonly connection: number,
    private readonly pool: FramePool,
    private readonly transport: Transport,
    /** Most bytes of frames ahead of the transport (queued or written, not done) before DATA waits. */
    private readonly maxAheadBytes: number,
    private readonly onRoom: () => void,
    private hook: OutboundHook | undefined,
  ) {
    transport.onRoom?.(() => this.roomMade());
  }

  /**
   * Payload bytes one more DATA frame may carry under the budget and the transport's room (a
   * frame's worth at least, once it has any); marks the writer as waiting when none.
   */
  dataRoom(): number {
    let room = this.maxAheadBytes - this.aheadBytes - this.queuedBytes - FRAME_HEADER_LENGTH;
    if (room > 0 && this.transport.room) {
      const taken = this.transport.room() - this.queuedBytes;
      room = taken <= 0 ? 0 : Math.min(room, Math.max(taken - FRAME_HEADER_LENGTH, MIN_HELD_PAYLOAD));
    }
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
    const frame = new WriterFrame(this.connection, type, flags, streamId, payloadLength);
    const lease = this.pool.acquire(FRAME_HEADER_LENGTH + payloadLength, frame);
    frame.lease = lease;
    writeFrameHeader(lease.buffer, frame);
    this.queue.push(frame);
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
    this.batch = [];
    this.transport.cork();
    for (const frame of batch) {
      this.trackPending(frame);
      if (hook) hook.outbound(frame, this.toTransport);
      else this.write(frame);
    }
    hook?.flush?.(this.toTransport);
    this.endBatch();
    this.transport.uncork();
    this.endIfEnding();
  }

  /**
   * The peer reset `streamId`: the pool hears of each of its leases still pending (each at most
   * once), and its DATA not yet past the queue is dropped. HEADERS and CONTINUATION stay: the peer's HPACK decoder must see every block.
   */
  streamReset(streamId: number): void {
    this.pending.resetStream(streamId, this.resetOne);
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
    this.pending.add(frame);
  }

  private readonly resetOne = (frame: OutboundFrame): void => this.pool.streamReset(frame.lease);

  private write(frame: OutboundFrame): void {
    // A frame a hook emits after the transport ended or went is dropped: nothing may follow the end.
    if (this.phase === WriterPhase.Ended || this.phase === WriterPhase.Closed) {
      this.done(frame);
      return;
    }
    const type = frame.header.type;
    this.framesSent[type <= FrameType.PRIORITY_UPDATE ? type : this.framesSent.length - 1]!++;
    const batch = this.batch;
    if (!batch) {
      // A frame a hook emits between flushes: a batch of one.
      this.transport.write(frame.lease.bytes, () => this.done(frame));
      return;
    }
    if (this.latest) this.transport.write(this.latest.lease.bytes);
    this.latest = frame;
    batch.push(frame);
  }

  private endBatch(): void {
    const batch = this.batch!;
    const latest = this.latest;
    this.batch = this.latest = undefined;
    if (latest) this.transport.write(latest.lease.bytes, () => batch.forEach(this.doneOne));
  }

  private readonly doneOne = (frame: OutboundFrame): void => this.done(frame);

  /** The one place a lease leaves the writer. */
  private done(frame: OutboundFrame): void {
    const { lease } = frame;
    this.pending.done(frame);
    this.aheadBytes -= lease.length;
    this.pool.writeDone(lease);
    if (this.aheadBytes + this.queuedBytes <= this.maxAheadBytes / 2) this.roomMade();
  }

  private roomMade(): void {
    if (!this.waitingForRoom) return;
    this.waitingForRoom = false;
    this.onRoom();
  }
}
