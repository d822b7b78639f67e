/**
 * Checks the client's preface and validates each frame h2/frame/frame-reader.ts cuts from the
 * byte stream (§4.2 and §6 rules, CONTINUATION sequencing) before the session may see it.
 */
import { CLIENT_PREFACE, DEFAULT_MAX_FRAME_SIZE, ErrorCode, FrameFlag, FrameType } from '../../h2/frame/constants.js';
import { FrameError, frameError, validateFrameHeader, validateFramePayload, type FrameHeader } from '../../h2/frame/codec.js';
import { FrameReader } from '../../h2/frame/frame-reader.js';

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
  private readonly reader = new FrameReader({
    checkFrameHeader: (header) => this.check(header),
    onFrame: (header, bytes) => this.emit(header, bytes),
  });
  /** The current feed's frame callback. */
  private onFrame: (frame: InboundFrame) => void = () => {};

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
    this.onFrame = onFrame;
    this.reader.feed(chunk, at);
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

  private emit(header: FrameHeader, bytes: Buffer): void {
    validateFramePayload(header, bytes);
    this.onFrame({ header, bytes });
  }
}
