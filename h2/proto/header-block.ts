/**
 * One header block being received: a HEADERS frame and the CONTINUATION frames that complete it
 * (RFC 9113 §4.3, §6.10). While a block is open no other frame may come on the connection: the
 * HPACK decoder's state is shared, so blocks cannot interleave.
 *
 * Lifecycle: owned by the connection; a block starts with HEADERS and ends with END_HEADERS
 * (`finish`), or with the connection. A fragment is a view of the read it came in, which may be a
 * reused read buffer (read-buffers.ts): a block that stays open past its frame keeps copies.
 */
import { ErrorCode, FrameFlag, FrameType } from '../frame/constants.js';
import { frameError, type FrameHeader } from '../frame/codec.js';

export class HeaderBlock {
  /** The stream whose block is open; 0 when none is. */
  streamId = 0;
  /** The opening HEADERS frame's flags (END_STREAM) and its priority dependency. */
  flags = 0;
  dependency = 0;
  private fragments: Buffer[] = [];

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

  start(header: FrameHeader, dependency: number, fragment: Buffer): void {
    this.streamId = header.streamId;
    this.flags = header.flags;
    this.dependency = dependency;
    // A block ending in its HEADERS frame is decoded before the read's callback returns.
    this.fragments.push(header.flags & FrameFlag.END_HEADERS ? fragment : Buffer.from(fragment));
  }

  /** A CONTINUATION's fragment: copied, as the block may stay open past it (a rare path). */
  append(fragment: Buffer): void {
    this.fragments.push(Buffer.from(fragment));
  }

  /** The whole block; the block is closed. */
  finish(): Buffer {
    const block = this.fragments.length === 1 ? this.fragments[0]! : Buffer.concat(this.fragments);
    this.fragments = [];
    this.streamId = 0;
    return block;
  }
}
