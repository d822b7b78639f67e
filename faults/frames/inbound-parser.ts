/**
 * Cuts the client's byte stream into whole frames and validates each (the preface, §4.2 and §6
 * rules, CONTINUATION sequencing) before the session may see it. A frame inside one chunk is
 * handed out as a view of that chunk; only a frame split across chunks is assembled (copied).
 */
import { CLIENT_PREFACE, DEFAULT_MAX_FRAME_SIZE, ErrorCode, FRAME_HEADER_LENGTH, FrameFlag, FrameType } from '../../h2/frame/constants.js';
import { FrameError, frameError, readFrameHeader, validateFrameHeader, validateFramePayload, type FrameHeader } from '../../h2/frame/codec.js';

export interface InboundFrame {
  header: FrameHeader;
  /** The whole frame, header included. */
  bytes: Buffer;
}

export class InboundParser {
  /** The receiver's SETTINGS_MAX_FRAME_SIZE, learnt from the session's own SETTINGS. */
  maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
  private prefaceSeen = 0;
  private firstFrame = true;
  /** Set while a header block is open: CONTINUATION frames of this stream must follow. */
  private continuationOf = 0;
  /** A frame split across chunks, being assembled. */
  private partial: Buffer | undefined;
  private partialFill = 0;
  private readonly headerScratch = Buffer.allocUnsafe(FRAME_HEADER_LENGTH);

  /**
   * Feeds one chunk; `onPreface` gets the preface bytes, `onFrame` each whole valid frame, in order.
   * Throws FrameError at the first violation; the parser is unusable after that.
   */
  feed(chunk: Buffer, onPreface: (bytes: Buffer) => void, onFrame: (frame: InboundFrame) => void): void {
    let at = 0;
    if (this.prefaceSeen < CLIENT_PREFACE.length) {
      const n = Math.min(CLIENT_PREFACE.length - this.prefaceSeen, chunk.length);
      if (!chunk.subarray(0, n).equals(CLIENT_PREFACE.subarray(this.prefaceSeen, this.prefaceSeen + n))) {
        throw new FrameError(ErrorCode.PROTOCOL_ERROR, 'bad client connection preface');
      }
      this.prefaceSeen += n;
      at = n;
      onPreface(chunk.subarray(0, n));
    }
    while (at < chunk.length) {
      if (this.partial) {
        at = this.continuePartial(chunk, at, onFrame);
        continue;
      }
      const available = chunk.length - at;
      if (available < FRAME_HEADER_LENGTH) {
        // Too little for a header: keep the bytes in a header-sized partial.
        this.partial = this.headerScratch;
        chunk.copy(this.partial, 0, at);
        this.partialFill = available;
        return;
      }
      const header = readFrameHeader(chunk, at);
      this.check(header);
      const total = FRAME_HEADER_LENGTH + header.length;
      if (available >= total) {
        this.emit(header, chunk.subarray(at, at + total), onFrame);
        at += total;
      } else {
        this.partial = Buffer.allocUnsafe(total);
        chunk.copy(this.partial, 0, at);
        this.partialFill = available;
        return;
      }
    }
  }

  private continuePartial(chunk: Buffer, at: number, onFrame: (frame: InboundFrame) => void): number {
    let partial = this.partial!;
    if (partial === this.headerScratch) {
      const n = Math.min(FRAME_HEADER_LENGTH - this.partialFill, chunk.length - at);
      chunk.copy(partial, this.partialFill, at, at + n);
      this.partialFill += n;
      at += n;
      if (this.partialFill < FRAME_HEADER_LENGTH) return at;
      const header = readFrameHeader(partial);
      this.check(header);
      const whole = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + header.length);
      partial.copy(whole);
      this.partial = partial = whole;
    }
    const n = Math.min(partial.length - this.partialFill, chunk.length - at);
    chunk.copy(partial, this.partialFill, at, at + n);
    this.partialFill += n;
    at += n;
    if (this.partialFill === partial.length) {
      this.partial = undefined;
      this.partialFill = 0;
      this.emit(readFrameHeader(partial), partial, onFrame);
    }
    return at;
  }

  private check(header: FrameHeader): void {
    validateFrameHeader(header, this.maxFrameSize);
    if (this.firstFrame && (header.type !== FrameType.SETTINGS || header.flags & FrameFlag.ACK)) {
      throw frameError(header, ErrorCode.PROTOCOL_ERROR, 'the preface must be followed by SETTINGS');
    }
    this.firstFrame = false;
    if (this.continuationOf !== 0) {
      if (header.type !== FrameType.CONTINUATION || header.streamId !== this.continuationOf) {
        throw frameError(header, ErrorCode.PROTOCOL_ERROR, `expected CONTINUATION of stream ${this.continuationOf}`);
      }
    } else if (header.type === FrameType.CONTINUATION) {
      throw frameError(header, ErrorCode.PROTOCOL_ERROR, 'no header block is open');
    }
    if (header.type === FrameType.PUSH_PROMISE) {
      throw frameError(header, ErrorCode.PROTOCOL_ERROR, 'a client must not push');
    }
    // §5.1.1: a client opens odd-numbered streams only. (node:http2 would answer INTERNAL_ERROR.)
    if (header.type === FrameType.HEADERS && header.streamId % 2 === 0) {
      throw frameError(header, ErrorCode.PROTOCOL_ERROR, 'a client must open odd-numbered streams');
    }
    const opensBlock = header.type === FrameType.HEADERS || header.type === FrameType.CONTINUATION;
    if (opensBlock) this.continuationOf = header.flags & FrameFlag.END_HEADERS ? 0 : header.streamId;
  }

  private emit(header: FrameHeader, bytes: Buffer, onFrame: (frame: InboundFrame) => void): void {
    validateFramePayload(header, bytes);
    onFrame({ header, bytes });
  }
}
