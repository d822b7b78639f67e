/**
 * What GOAWAY code a node:http2 session failure calls for. node:http2 destroys a session it cannot
 * go on with (an NghttpError: `errno` is nghttp2's library error code, `code` Node's name for it)
 * and would send INTERNAL_ERROR for every one of them; the client deserves the reason instead.
 * Measured on Node 20.20 (nghttp2 1.61) through the frame path:
 *
 * - ERR_HTTP2_TOO_MANY_INVALID_FRAMES: more than maxSessionInvalidFrames (1000) frames nghttp2
 *   rejected — streams refused beyond SETTINGS_MAX_CONCURRENT_STREAMS, requests without their
 *   pseudo-headers, empty DATA frames — so the peer is abusing the connection: ENHANCE_YOUR_CALM.
 * - NGHTTP2_ERR_CALLBACK_FAILURE with no name of Node's: more than maxSessionRejectedStreams (100)
 *   streams refused with RST_STREAM(ENHANCE_YOUR_CALM), which Node does once maxSessionMemory is
 *   exceeded: ENHANCE_YOUR_CALM, as each of those streams was told.
 * - a frame nghttp2 found invalid for the connection (RST_STREAM on an idle stream, a stream
 *   WINDOW_UPDATE of 0, HEADERS beyond the acknowledged concurrency limit, trailers on a stream
 *   the client had ended): the code nghttp2 itself maps that error to
 *   (nghttp2_session.c, get_error_code_from_lib_error_code).
 */
import { ErrorCode } from '../../h2/frame/constants.js';

/** nghttp2's library error codes (nghttp2.h, enum nghttp2_error) that name a cause. */
const Nghttp2Error = {
  PROTO: -505,
  STREAM_CLOSED: -510,
  FRAME_SIZE_ERROR: -522,
  HEADER_COMP: -523,
  FLOW_CONTROL: -524,
  HTTP_HEADER: -531,
  HTTP_MESSAGING: -532,
  REFUSED_STREAM: -533,
  CALLBACK_FAILURE: -902,
  FLOODED: -904,
  TOO_MANY_CONTINUATIONS: -905,
} as const;

const BY_LIB_ERROR = new Map<number, number>([
  [Nghttp2Error.PROTO, ErrorCode.PROTOCOL_ERROR],
  [Nghttp2Error.HTTP_HEADER, ErrorCode.PROTOCOL_ERROR],
  [Nghttp2Error.HTTP_MESSAGING, ErrorCode.PROTOCOL_ERROR],
  [Nghttp2Error.STREAM_CLOSED, ErrorCode.STREAM_CLOSED],
  [Nghttp2Error.FRAME_SIZE_ERROR, ErrorCode.FRAME_SIZE_ERROR],
  [Nghttp2Error.HEADER_COMP, ErrorCode.COMPRESSION_ERROR],
  [Nghttp2Error.FLOW_CONTROL, ErrorCode.FLOW_CONTROL_ERROR],
  [Nghttp2Error.REFUSED_STREAM, ErrorCode.REFUSED_STREAM],
  [Nghttp2Error.FLOODED, ErrorCode.ENHANCE_YOUR_CALM],
  [Nghttp2Error.TOO_MANY_CONTINUATIONS, ErrorCode.ENHANCE_YOUR_CALM],
]);

export interface SessionFailure {
  /** The GOAWAY error code. */
  code: number;
  /** GOAWAY debug data: why. */
  reason: string;
}

/** The GOAWAY a session destroyed with `err` owes its client. */
export function sessionFailureGoaway(err: Error & { code?: unknown; errno?: unknown }): SessionFailure {
  if (err.code === 'ERR_HTTP2_TOO_MANY_INVALID_FRAMES') {
    return { code: ErrorCode.ENHANCE_YOUR_CALM, reason: 'too many invalid frames (refused or malformed streams)' };
  }
  if (err.errno === Nghttp2Error.CALLBACK_FAILURE) {
    return { code: ErrorCode.ENHANCE_YOUR_CALM, reason: 'too many streams refused (session memory exhausted)' };
  }
  const code = typeof err.errno === 'number' ? BY_LIB_ERROR.get(err.errno) : undefined;
  return { code: code ?? ErrorCode.INTERNAL_ERROR, reason: err.message };
}
