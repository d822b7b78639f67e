/**
 * Cuts DATA frames from the streams' outbound bodies, round-robin, one frame per stream per
 * round, as far as the stream windows, the connection window and the writer's budget allow
 * (RFC 9113 §5.2, §6.9). A stream blocked on its own window leaves the ready list until a
 * WINDOW_UPDATE or a SETTINGS change gives it room; one blocked on the connection window or the
 * budget (or the transport's room) stays, and the next flush resumes the round where it stopped.
 *
 * Lifecycle: one per connection; `remove` takes a reset stream out.
 */
import { FRAME_HEADER_LENGTH, FrameFlag, FrameType } from '../frame/constants.js';
import type { FrameWriter } from './frame-writer.js';
import { SendWindow } from './flow-window.js';
import { BodyEnd } from './outbound-body.js';
import type { H2Stream } from './stream.js';
import { PROTOCOL_INITIAL_WINDOW_SIZE } from './settings.js';

export interface SchedulerHost {
  /** The stream's body is fully framed with END_STREAM (on DATA or trailers). */
  sentEnd(stream: H2Stream): void;
  /** Queues the stream's trailers as its last header block. */
  sendTrailers(stream: H2Stream): void;
}

export class SendScheduler {
  /** The connection's send window. */
  readonly window = new SendWindow(PROTOCOL_INITIAL_WINDOW_SIZE);
  /** Streams with something to frame, in round order; also closed ones remove() unmarked, until fill() drops them. */
  private ready: H2Stream[] = [];
  /** Streams whose queue fell below the high-water mark during the last fill. */
  readonly drained: H2Stream[] = [];

  constructor(private readonly writer: FrameWriter, private readonly host: SchedulerHost) {}

  get hasReady(): boolean {
    return this.ready.length > 0;
  }

  /** The stream has something to frame (data, or its end), if its window lets it. */
  markReady(stream: H2Stream): void {
    if (stream.ready || !stream.body.sendable) return;
    stream.ready = true;
    this.ready.push(stream);
  }

  /**
   * The stream closed: it is only unmarked, and fill() drops it from the list when it comes to it
   * (a closed stream is never marked again). Most streams close inside fill(), framing their end,
   * where a filter made an array and scanned the list for each of them.
   */
  remove(stream: H2Stream): void {
    stream.ready = false;
  }

  /** Frames as much as may go now; `maxFrameSize` is the peer's. */
  fill(maxFrameSize: number, highWaterMark: number): void {
    let progress = true;
    while (progress && this.ready.length > 0) {
      progress = false;
      const round = this.ready;
      this.ready = [];
      for (let i = 0; i < round.length; i++) {
        const stream = round[i]!;
        if (!stream.ready) continue;
        const framed = this.frameOne(stream, maxFrameSize);
        if (framed) progress = true;
        const served = this.ready.length;
        // Not when framing its end closed it (remove() unmarked it).
        if (stream.ready && stream.body.sendable) this.ready.push(stream);
        else stream.ready = false;
        if (stream.drainOwed && stream.body.queued < highWaterMark) {
          stream.drainOwed = false;
          this.drained.push(stream);
        }
        if (!framed && (this.window.size <= 0 || this.writer.dataRoom() <= 0)) {
          // The connection is blocked: the rest of the round goes first at the next flush, then
          // the streams it served, so a room of a frame at a time (a held link) reaches them all.
          // Streams closed meanwhile (unmarked by remove()) end their stay here: kept, they would
          // pile up while the window stays shut and the peer resets stream after stream.
          const rest = round.slice(i + 1).filter((s) => s.ready);
          this.ready = [...this.ready.slice(served), ...rest, ...this.ready.slice(0, served)];
          return;
        }
      }
    }
  }

  /** Cuts one frame from the stream's body; false when nothing could be framed now. */
  private frameOne(stream: H2Stream, maxFrameSize: number): boolean {
    const body = stream.body;
    if (body.queued > 0) {
      const n = Math.min(body.queued, body.window.size, this.window.size, maxFrameSize, this.writer.dataRoom());
      if (n <= 0) return false;
      const last = n === body.queued && body.ending === BodyEnd.End;
      const frame = this.writer.frame(FrameType.DATA, last ? FrameFlag.END_STREAM : 0, stream.id, n);
      body.take(frame, FRAME_HEADER_LENGTH, n);
      body.window.consume(n);
      this.window.consume(n);
      if (last) this.ended(stream);
      return true;
    }
    if (body.ending === BodyEnd.End) {
      this.writer.frame(FrameType.DATA, FrameFlag.END_STREAM, stream.id, 0);
      this.ended(stream);
      return true;
    }
    if (body.ending === BodyEnd.Trailers) {
      this.host.sendTrailers(stream);
      this.ended(stream);
      return true;
    }
    return false;
  }

  private ended(stream: H2Stream): void {
    stream.body.ending = BodyEnd.Sent;
    this.host.sentEnd(stream);
  }
}
