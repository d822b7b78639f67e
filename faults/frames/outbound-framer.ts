/**
 * Cuts the session's output (writes that do not align with frames) at frame boundaries and copies
 * each frame exactly once, straight from the session's chunks into a buffer leased from the pool.
 *
 * Lifecycle: owned by one FramePath. A lease taken for a frame is the framer's until the frame is
 * whole and goes to `onFrame` (the FramePath's from then on); a frame still incomplete when the
 * connection ends goes back through `abandon`, called only from FramePath._destroy.
 */
import { FRAME_HEADER_LENGTH } from '../../h2/frame/constants.js';
import { readFrameHeader, type FrameHeader } from '../../h2/frame/codec.js';
import type { Lease } from '../pool/types.js';

export interface OutboundFrame {
  header: FrameHeader;
  /** Holds the frame in [0, lease.length). */
  lease: Lease;
}

export class OutboundFramer {
  private readonly headerScratch = Buffer.allocUnsafe(FRAME_HEADER_LENGTH);
  private headerFill = 0;
  private current: OutboundFrame | undefined;
  private fill = 0;

  constructor(
    private readonly acquire: (header: FrameHeader) => Lease,
    private readonly onFrame: (frame: OutboundFrame) => void,
  ) {}

  feed(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.current) {
        at = this.copyInto(chunk, at);
        continue;
      }
      if (this.headerFill === 0 && chunk.length - at >= FRAME_HEADER_LENGTH) {
        this.begin(readFrameHeader(chunk, at));
        at = this.copyInto(chunk, at);
        continue;
      }
      const n = Math.min(FRAME_HEADER_LENGTH - this.headerFill, chunk.length - at);
      chunk.copy(this.headerScratch, this.headerFill, at, at + n);
      this.headerFill += n;
      at += n;
      if (this.headerFill === FRAME_HEADER_LENGTH) {
        this.headerFill = 0;
        this.begin(readFrameHeader(this.headerScratch));
        this.headerScratch.copy(this.current!.lease.buffer);
        this.fill = FRAME_HEADER_LENGTH;
        this.finishIfComplete();
      }
    }
  }

  /** The connection ended mid-frame: hands back the incomplete frame so its lease can end. */
  abandon(): OutboundFrame | undefined {
    const frame = this.current;
    this.current = undefined;
    return frame;
  }

  private begin(header: FrameHeader): void {
    this.current = { header, lease: this.acquire(header) };
    this.fill = 0;
  }

  private copyInto(chunk: Buffer, at: number): number {
    const frame = this.current!;
    const n = Math.min(frame.lease.length - this.fill, chunk.length - at);
    chunk.copy(frame.lease.buffer, this.fill, at, at + n);
    this.fill += n;
    this.finishIfComplete();
    return at + n;
  }

  private finishIfComplete(): void {
    const frame = this.current!;
    if (this.fill < frame.lease.length) return;
    this.current = undefined;
    this.onFrame(frame);
  }
}
