/**
 * Outbound header blocks: one HPACK encoding per block into a scratch buffer, then HEADERS and as
 * many CONTINUATION frames as the peer's SETTINGS_MAX_FRAME_SIZE requires, each born in its own
 * lease (a lease's length is fixed when it is acquired, so the block is encoded first).
 *
 * Lifecycle: one per connection, beside its HPACK encoder: blocks must go out in the order they
 * were encoded (the peer's dynamic table follows that order).
 */
import { FRAME_HEADER_LENGTH, FrameFlag, FrameType } from '../frame/constants.js';
import { HpackEncoder, STATUS_FIELD_ROOM, maxEncodedLength } from '../hpack/encoder.js';
import type { FrameWriter } from './frame-writer.js';

/**
 * Blocks up to this length are copied into their frame by a loop: Buffer#copy of part of a buffer
 * makes a view of it and crosses into native code, ~50 ns whatever the length; the loop costs
 * ~1.2 ns an octet (Node 20). A repeated head is a few octets once HPACK has indexed its fields.
 */
const LOOP_COPY_MAX = 40;

export class HeaderWriter {
  private scratch = Buffer.allocUnsafe(4096);

  constructor(readonly encoder: HpackEncoder, private readonly writer: FrameWriter) {}

  /** Queues `fields` (pseudo-headers first) as one header block on `streamId`. */
  write(streamId: number, fields: readonly string[], endStream: boolean, maxFrameSize: number): void {
    const length = this.encoder.encodeInto(fields, this.room(maxEncodedLength(fields)), 0);
    this.frames(streamId, length, endStream, maxFrameSize);
  }

  /** Queues a response head, `:status` then `fields`, as one header block on `streamId`. */
  writeResponse(streamId: number, status: number, fields: readonly string[], endStream: boolean, maxFrameSize: number): void {
    const length = this.encoder.encodeResponseInto(status, fields, this.room(maxEncodedLength(fields) + STATUS_FIELD_ROOM), 0);
    this.frames(streamId, length, endStream, maxFrameSize);
  }

  /** The scratch buffer, with at least `needed` bytes. */
  private room(needed: number): Buffer {
    if (this.scratch.length < needed) this.scratch = Buffer.allocUnsafe(Math.max(needed, this.scratch.length * 2));
    return this.scratch;
  }

  /** The encoded block, scratch[0, length), as HEADERS and the CONTINUATION frames it needs. */
  private frames(streamId: number, length: number, endStream: boolean, maxFrameSize: number): void {
    const scratch = this.scratch;
    let at = 0;
    let type: number = FrameType.HEADERS;
    let flags = endStream ? FrameFlag.END_STREAM : 0;
    do {
      const n = Math.min(maxFrameSize, length - at);
      if (at + n === length) flags |= FrameFlag.END_HEADERS;
      const frame = this.writer.frame(type, flags, streamId, n);
      if (n <= LOOP_COPY_MAX) for (let i = 0; i < n; i++) frame[FRAME_HEADER_LENGTH + i] = scratch[at + i]!;
      else scratch.copy(frame, FRAME_HEADER_LENGTH, at, at + n);
      at += n;
      type = FrameType.CONTINUATION;
      flags = 0;
    } while (at < length);
  }
}
