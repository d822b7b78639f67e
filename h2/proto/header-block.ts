/**
 * One header block being received: a HEADERS frame and the CONTINUATION frames that complete it
 * (RFC 9113 §4.3, §6.10). While a block is open no other frame may come on the connection: the
 * HPACK decoder's state is shared, so blocks cannot interleave.
 *
 * Lifecycle: owned by the connection; a block starts with HEADERS and ends with END_HEADERS
 * (`finish`), or with the connection. A fragment is a view of the read it came in, which may be a
 * reused read buffer (h2/frame/read-buffers.ts): a block that stays open past its frame keeps copies.
 */
import { ErrorCode, FrameFlag, FrameType } from '../frame/constants.js';
import { frameError, type FrameHeader } from '../frame/codec.js';

/** What a finished block leaves behind: no buffer is pinned until the next block. */
const NO_BYTES = Buffer.alloc(0);

export class HeaderBlock {
  /** The stream whose block is open; 0 when none is. */
  streamId = 0;
  /** The opening HEADERS frame's flags (END_STREAM) and its priority dependency. */
  flags = 0;
  dependency = 0;
  /** finish()'s block lies in its returned buffer at [from, to). */
  from = 0;
  to = 0;
  /** The HEADERS frame's fragment, as a range of that frame: most blocks are one frame, and cost no view. */
  private first: Buffer = NO_BYTES;
  private firstFrom = 0;
  private firstTo = 0;
  /** The fragments, the first one's included, once CONTINUATION came. */
  private fragments: Buffer[] | undefined;

  /** Checks a frame header against the open block (§6.10): throws FrameError(PROTOCOL_ERROR). */
  check(header: FrameHeader): void {
    if (this.streamId !== 0) {
      if (header.type !== FrameType.CONTINUATION || header.streamId !== this.streamId) {
        throw frameError(header, ErrorCode.PROTOCOL_ERROR, `expected CONTINUATION of stream ${this.streamId}`);
      }
    } else if (header.type === FrameType.CONTINUATION) {
      throw frameError(header, ErrorCode.PROTOCOL_ERROR, 'no header block is open');
    }
  }

  /** The HEADERS frame opens the block; its fragment is frame[from, to). */
  start(header: FrameHeader, dependency: number, frame: Buffer, from: number, to: number): void {
    this.streamId = header.streamId;
    this.flags = header.flags;
    this.dependency = dependency;
    if (header.flags & FrameFlag.END_HEADERS) {
      // Decoded before the read's callback returns: a range of the read is enough.
      this.first = frame;
      this.firstFrom = from;
      this.firstTo = to;
    } else {
      this.first = Buffer.from(frame.subarray(from, to));
      this.firstFrom = 0;
      this.firstTo = this.first.length;
    }
  }

  /** A CONTINUATION's fragment: copied, as the block may stay open past it (a rare path). */
  append(fragment: Buffer): void {
    this.fragments ??= [this.first.subarray(this.firstFrom, this.firstTo)];
    this.fragments.push(Buffer.from(fragment));
  }

  /** The whole block, at [from, to) of the buffer returned; the block is closed. */
  finish(): Buffer {
    let block: Buffer;
    if (this.fragments === undefined) {
      block = this.first;
      this.from = this.firstFrom;
      this.to = this.firstTo;
    } else {
      block = Buffer.concat(this.fragments);
      this.from = 0;
      this.to = block.length;
      this.fragments = undefined;
    }
    this.first = NO_BYTES;
    this.streamId = 0;
    return block;
  }
}
