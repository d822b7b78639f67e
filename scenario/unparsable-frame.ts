/**
 * Whether a frame header a server sent is one our client cannot parse: the header the relay saw
 * just before our client's GOAWAY is not always the culprit (more bytes may have passed the relay
 * by then), so the relay judges each inbound header as it goes by and keeps the first bad one.
 * The client is node:http2 with its defaults (SETTINGS_MAX_FRAME_SIZE 16 384, push disabled).
 */
import { DEFAULT_MAX_FRAME_SIZE, FrameType } from '../h2/frame/constants.js';
import { FrameError, validateFrameHeader, type FrameHeader } from '../h2/frame/codec.js';

/** Frames that name a stream the client must have opened. */
const ON_CLIENT_STREAM: ReadonlySet<number> = new Set([FrameType.DATA, FrameType.HEADERS, FrameType.CONTINUATION]);

/** What the relay knows of the connection's streams so far. */
export interface StreamsSeen {
  /** The highest stream id the client has opened. */
  highestClientStream: number;
  /** Streams whose response HEADERS the server has sent. */
  answered: ReadonlySet<number>;
  /**
   * Streams our client reset. nghttp2 drops frames on a stream it closed itself, so DATA that a
   * server sends there before any HEADERS (it was still writing when the reset came) is ignored,
   * not refused: measured, a client GOAWAY(FRAME_SIZE_ERROR) followed such DATA by 27 ms.
   */
  resetByClient: ReadonlySet<number>;
}

/** Why our client cannot take `h`, or undefined when it can. */
export function unparsableBecause(h: FrameHeader, seen: StreamsSeen): string | undefined {
  const { highestClientStream } = seen;
  try {
    validateFrameHeader(h, DEFAULT_MAX_FRAME_SIZE);
  } catch (err) {
    if (!(err instanceof FrameError)) throw err;
    // The message starts with the frame's own description; keep only the rule it broke.
    return err.message.slice(err.message.indexOf(': ') + 2);
  }
  if (h.type === FrameType.PUSH_PROMISE) return 'a PUSH_PROMISE, and push is disabled';
  if (ON_CLIENT_STREAM.has(h.type) && h.streamId % 2 === 0) return 'on an even stream, which only a push opens (push is disabled)';
  if (ON_CLIENT_STREAM.has(h.type) && h.streamId > highestClientStream) {
    return `on stream ${h.streamId}, which the client never opened (its highest is ${highestClientStream})`;
  }
  if (h.type === FrameType.DATA && !seen.answered.has(h.streamId) && !seen.resetByClient.has(h.streamId)) return `DATA on stream ${h.streamId} before its response HEADERS`;
  return undefined;
}
