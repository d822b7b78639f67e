/**
 * Whether a frame header a server sent is one our client cannot take, and how it answers it: the
 * header the relay saw just before our client's GOAWAY is not always the culprit (more bytes may
 * have passed the relay by then), so the relay judges each inbound header as it goes by.
 * The client is node:http2 (nghttp2 1.61 on Node 20) with its defaults (SETTINGS_MAX_FRAME_SIZE
 * 16 384, push disabled). What nghttp2 does with each (lib/nghttp2_session.c):
 *
 * - framing: a length over SETTINGS_MAX_FRAME_SIZE (checked on every header, unknown types
 *   included, before anything else) or a payload length its type forbids: GOAWAY FRAME_SIZE_ERROR.
 * - protocol: a frame on stream 0 that needs a stream or the reverse, a PUSH_PROMISE, DATA or
 *   HEADERS on a stream the client never opened ("stream in idle", "client received request"):
 *   GOAWAY PROTOCOL_ERROR, whatever happened before on the connection.
 * - stream-state: DATA on a stream whose response HEADERS has not come. nghttp2 answers
 *   GOAWAY PROTOCOL_ERROR ("DATA: stream not opened") while the stream waits for its HEADERS, but
 *   ignores it once the client has queued RST_STREAM for it — and the client queues that before
 *   the relay sees it (its RST_STREAM may still be on the way while the server's DATA passes). So
 *   the relay cannot tell: it is a connection error only if no reset was in flight.
 */
import { DEFAULT_MAX_FRAME_SIZE, ErrorCode, FrameType } from '../h2/frame/constants.js';
import { FrameError, validateFrameHeader, type FrameHeader } from '../h2/frame/codec.js';

/** Frames that name a stream the client must have opened. */
const ON_CLIENT_STREAM: ReadonlySet<number> = new Set([FrameType.DATA, FrameType.HEADERS, FrameType.CONTINUATION]);

/** How nghttp2 answers a header (see the file's comment). */
export type FrameProblemKind = 'framing' | 'protocol' | 'stream-state';

export interface FrameProblem {
  kind: FrameProblemKind;
  /** The rule it breaks. */
  rule: string;
}

/** What the relay knows of the connection's streams so far. */
export interface StreamsSeen {
  /** The highest stream id the client has opened. */
  highestClientStream: number;
  /** Streams whose response HEADERS the server has sent. */
  answered: ReadonlySet<number>;
  /**
   * Streams whose RST_STREAM from our client went by. nghttp2 drops frames on a stream it reset,
   * so DATA that a server sends there before any HEADERS (it was still writing when the reset
   * came) is ignored, not refused: measured, a client GOAWAY(FRAME_SIZE_ERROR) followed such DATA
   * by 27 ms.
   */
  resetByClient: ReadonlySet<number>;
}

/** What is wrong with `h` for our client, or undefined when it can take it. */
export function frameProblem(h: FrameHeader, seen: StreamsSeen): FrameProblem | undefined {
  const { highestClientStream } = seen;
  try {
    validateFrameHeader(h, DEFAULT_MAX_FRAME_SIZE);
  } catch (err) {
    if (!(err instanceof FrameError)) throw err;
    // The message starts with the frame's own description; keep only the rule it broke.
    const rule = err.message.slice(err.message.indexOf(': ') + 2);
    return { kind: err.code === ErrorCode.FRAME_SIZE_ERROR ? 'framing' : 'protocol', rule };
  }
  if (h.type === FrameType.PUSH_PROMISE) return { kind: 'protocol', rule: 'a PUSH_PROMISE, and push is disabled' };
  if (ON_CLIENT_STREAM.has(h.type) && h.streamId % 2 === 0) return { kind: 'protocol', rule: 'on an even stream, which only a push opens (push is disabled)' };
  if (ON_CLIENT_STREAM.has(h.type) && h.streamId > highestClientStream) {
    return { kind: 'protocol', rule: `on stream ${h.streamId}, which the client never opened (its highest is ${highestClientStream})` };
  }
  if (h.type === FrameType.DATA && !seen.answered.has(h.streamId) && !seen.resetByClient.has(h.streamId)) {
    return { kind: 'stream-state', rule: `DATA on stream ${h.streamId} before its response HEADERS` };
  }
  return undefined;
}
