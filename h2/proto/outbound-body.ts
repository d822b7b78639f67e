/**
 * A stream's outbound body: the bytes the application wrote that are not framed yet, how it asked
 * the body to end, and the stream's send window. DATA frames are cut from it only when windows and
 * the writer's budget allow (send-scheduler.ts), so a frame is born just before it can go out.
 *
 * Lifecycle: part of its stream; `clear` (the stream reset) drops what is queued. A queued chunk
 * may be a view of a reused socket read (h2/frame/read-buffers.ts): it is kept (keepRead: held, or copied) from
 * `push` until the last of its bytes is copied into a frame (`take`) or dropped (`clear`), where
 * each is let go.
 */
import { SendWindow } from './flow-window.js';
import { keepRead, releaseRead } from '../frame/read-buffers.js';

export const BodyEnd = {
  /** More may be written. */
  Open: 0,
  /** END_STREAM on the last DATA frame. */
  End: 1,
  /** END_STREAM on trailers, after the last DATA frame. */
  Trailers: 2,
  /** END_STREAM was framed: nothing more goes out. */
  Sent: 3,
} as const;
export type BodyEnd = (typeof BodyEnd)[keyof typeof BodyEnd];

export class OutboundBody {
  readonly window: SendWindow;
  ending: BodyEnd = BodyEnd.Open;
  trailers: readonly string[] = [];
  /** Bytes written and not framed. */
  queued = 0;
  /**
   * Written chunks not fully framed, oldest first. Made with the first chunk: most streams get one
   * (a small response), and an empty array grows a 16-slot store at its first push.
   */
  private chunks: Buffer[] | undefined;
  /** Bytes of chunks[0] already framed. */
  private offset = 0;

  constructor(initialWindow: number) {
    this.window = new SendWindow(initialWindow);
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    const kept = keepRead(chunk);
    if (this.chunks) this.chunks.push(kept);
    else this.chunks = [kept];
    this.queued += chunk.length;
  }

  /** Moves the next `n` queued bytes into dst at `at`. */
  take(dst: Buffer, at: number, n: number): void {
    this.queued -= n;
    const chunks = this.chunks!;
    while (n > 0) {
      const chunk = chunks[0]!;
      const available = chunk.length - this.offset;
      const part = Math.min(available, n);
      chunk.copy(dst, at, this.offset, this.offset + part);
      at += part;
      n -= part;
      if (part === available) {
        releaseRead(chunks.shift()!);
        this.offset = 0;
      } else {
        this.offset += part;
      }
    }
  }

  /** Whether a frame may be cut now: data within the window, or the end (never flow-controlled when empty). */
  get sendable(): boolean {
    return (this.queued > 0 && this.window.size > 0) || (this.queued === 0 && (this.ending === BodyEnd.End || this.ending === BodyEnd.Trailers));
  }

  clear(): void {
    if (this.chunks) for (const chunk of this.chunks) releaseRead(chunk);
    this.chunks = undefined;
    this.offset = 0;
    this.queued = 0;
  }
}
