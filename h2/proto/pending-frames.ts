/**
 * The frames past the writer's queue (in an outbound hook or the transport) whose write is not
 * done, oldest first: what a peer's RST_STREAM affects. Writes complete in order, so the frame
 * that finishes is almost always the oldest; one finished out of order (a hook held an older one)
 * is marked and dropped from the list when it reaches the head. No allocation per frame.
 *
 * Lifecycle: owned by the FrameWriter; a frame enters when it leaves the queue and leaves when its
 * write is done.
 */
import type { FrameHeader } from '../frame/codec.js';
import type { Lease, LeaseOwner } from './frame-pool.js';
import { InFlight } from './in-flight.js';

export const PendingState = {
  /** Still in the writer's queue. */
  Queued: 0,
  Pending: 1,
  /** Pending, and the pool heard of its stream's reset. */
  PendingReset: 2,
  Done: 3,
} as const;
export type PendingState = (typeof PendingState)[keyof typeof PendingState];

/** A frame from its birth in a pool lease to its write's end (frame-writer.ts). */
export interface OutboundFrame {
  header: FrameHeader;
  /** Holds the frame in [0, lease.length). */
  lease: Lease;
  /** Where the frame is: the writer's to change (this file). */
  state: PendingState;
}

/**
 * The writer's own frames: the frame's fields are its header and its lease's owner, so a frame
 * costs one object besides its lease (hooks read `frame.header` as of any OutboundFrame, pools
 * `lease.owner`).
 */
export class WriterFrame implements OutboundFrame, FrameHeader, LeaseOwner {
  state: PendingState = PendingState.Queued;
  /** Set by the writer right after the pool leased it, with this frame as the owner. */
  lease!: Lease;

  constructor(
    readonly connection: number,
    readonly type: number,
    readonly flags: number,
    readonly streamId: number,
    /** Payload length, as in the frame header. */
    readonly length: number,
  ) {}

  get header(): FrameHeader {
    return this;
  }

  get frameType(): number {
    return this.type;
  }
}

export class PendingFrames {
  private readonly frames = new InFlight<OutboundFrame>((frame) => frame.state === PendingState.Done);

  add(frame: OutboundFrame): void {
    frame.state = PendingState.Pending;
    this.frames.add(frame);
  }

  done(frame: OutboundFrame): void {
    frame.state = PendingState.Done;
    this.frames.forget();
  }

  /** Calls `reset` once for each pending frame of the stream the pool has not heard of yet. */
  resetStream(streamId: number, reset: (frame: OutboundFrame) => void): void {
    for (const frame of this.frames.unfinished()) {
      if (frame.state !== PendingState.Pending || frame.header.streamId !== streamId) continue;
      frame.state = PendingState.PendingReset;
      reset(frame);
    }
  }
}
