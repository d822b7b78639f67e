/**
 * A stream's state (RFC 9113 §5.1) as one enum, its transitions, and what a frame received on a
 * stream in each state means. Every illegal transition is decided here, nowhere else.
 *
 *                          +--------+
 *                  send PP |        | recv PP
 *                 ,--------+  idle  +--------.
 *                /         |        |         \
 *               v          +--------+          v
 *        +----------+          |           +----------+
 *        |          |          | send H /  |          |
 * ,------+ reserved |          | recv H    | reserved +------.
 * |      | (local)  |          |           | (remote) |      |
 * |      +---+------+          v           +------+---+      |
 * |          |             +--------+             |          |
 * |          |     recv ES |        | send ES     |          |
 * |   send H |     ,-------+  open  +-------.     | recv H   |
 * |          |    /        |        |        \    |          |
 * |          v   v         +---+----+         v   v          |
 * |      +----------+          |           +----------+      |
 * |      |   half-  |          |           |   half-  |      |
 * |      |  closed  |          | send R /  |  closed  |      |
 * |      | (remote) |          | recv R    | (local)  |      |
 * |      +----+-----+          |           +-----+----+      |
 * |           | send ES /      |       recv ES / |           |
 * |           | send R /       v        send R / |           |
 * |           | recv R     +--------+   recv R   |           |
 * | send R /  `----------->|        |<-----------'  send R / |
 * | recv R                 | closed |               recv R   |
 * `----------------------->|        |<-----------------------'
 *                          +--------+
 *
 * The reserved states belong to server push, which this engine never does (it sends
 * SETTINGS_ENABLE_PUSH 0 as a client and never pushes as a server): they are left out.
 * A closed stream is no longer a record; `ClosedHow` is what the connection remembers of it.
 */
import { ErrorCode, FrameType } from '../frame/constants.js';

export const StreamState = {
  Open: 1,
  /** We sent END_STREAM; the peer may still send. */
  HalfClosedLocal: 2,
  /** The peer sent END_STREAM; we may still send. */
  HalfClosedRemote: 3,
  Closed: 4,
} as const;
export type StreamState = (typeof StreamState)[keyof typeof StreamState];

/** How a stream closed: decides what a late frame on it means (§5.1, "closed"). */
export const ClosedHow = {
  /** Both sides sent END_STREAM. */
  Ended: 1,
  /** We sent RST_STREAM (or never accepted the stream): frames in flight are expected, ignored. */
  ResetSent: 2,
  /** The peer sent RST_STREAM: it must send nothing more but PRIORITY. */
  ResetReceived: 3,
} as const;
export type ClosedHow = (typeof ClosedHow)[keyof typeof ClosedHow];

/** The state after a HEADERS opening a stream (§5.1 idle → open / half-closed). */
export function opened(endStream: boolean): StreamState {
  return endStream ? StreamState.HalfClosedRemote : StreamState.Open;
}

/** The state after the peer's END_STREAM. */
export function afterRecvEnd(state: StreamState): StreamState {
  return state === StreamState.Open ? StreamState.HalfClosedRemote : StreamState.Closed;
}

/** The state after our END_STREAM. */
export function afterSendEnd(state: StreamState): StreamState {
  return state === StreamState.Open ? StreamState.HalfClosedLocal : StreamState.Closed;
}

export function canSend(state: StreamState): boolean {
  return state === StreamState.Open || state === StreamState.HalfClosedRemote;
}

export function canRecv(state: StreamState): boolean {
  return state === StreamState.Open || state === StreamState.HalfClosedLocal;
}

/** What to do with a received frame that the stream's state does not allow. */
export const Verdict = {
  Accept: 0,
  Ignore: 1,
  /** RST_STREAM(code) for this stream; the connection goes on. */
  StreamError: 2,
  /** GOAWAY(code): the connection fails. */
  ConnectionError: 3,
} as const;
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

export interface Ruling {
  verdict: Verdict;
  code: number;
}

const ACCEPT: Ruling = { verdict: Verdict.Accept, code: 0 };
const IGNORE: Ruling = { verdict: Verdict.Ignore, code: 0 };
const STREAM_CLOSED: Ruling = { verdict: Verdict.StreamError, code: ErrorCode.STREAM_CLOSED };
const CONNECTION_STREAM_CLOSED: Ruling = { verdict: Verdict.ConnectionError, code: ErrorCode.STREAM_CLOSED };
const CONNECTION_PROTOCOL_ERROR: Ruling = { verdict: Verdict.ConnectionError, code: ErrorCode.PROTOCOL_ERROR };

/** A DATA or HEADERS frame on a stream that is open on our side (a record exists). */
export function recvOnLive(state: StreamState, type: number): Ruling {
  if (type !== FrameType.DATA && type !== FrameType.HEADERS) return ACCEPT;
  // §5.1 half-closed (remote): "If an endpoint receives additional frames, other than
  // WINDOW_UPDATE, PRIORITY, or RST_STREAM, for a stream that is in this state, it MUST respond
  // with a stream error of type STREAM_CLOSED."
  return canRecv(state) ? ACCEPT : STREAM_CLOSED;
}

/**
 * A frame on a stream the peer could have opened but that is no longer a record: closed as `how`
 * (a ClosedHow), or 0 when it was never opened (skipped, so implicitly closed, §5.1.1) or closed
 * so long ago that it is forgotten.
 */
export function recvOnClosed(how: number, type: number): Ruling {
  // WINDOW_UPDATE and RST_STREAM may cross our END_STREAM or RST_STREAM on the wire (§5.1
  // closed, §6.9); PRIORITY may come in any state (§6.3).
  if (type === FrameType.PRIORITY || type === FrameType.WINDOW_UPDATE || type === FrameType.RST_STREAM) return IGNORE;
  switch (how) {
    case ClosedHow.ResetSent:
      // "An endpoint MUST ignore frames that it receives on closed streams after it has sent a
      // RST_STREAM frame."
      return IGNORE;
    case ClosedHow.ResetReceived:
      // "An endpoint that receives any frame other than PRIORITY after receiving a RST_STREAM
      // MUST treat that as a stream error of type STREAM_CLOSED."
      return STREAM_CLOSED;
    case ClosedHow.Ended:
      // "... after receiving a frame with the END_STREAM flag set MUST treat that as a connection
      // error of type STREAM_CLOSED" — for HEADERS; for DATA the stream error of §6.1 suffices.
      return type === FrameType.HEADERS ? CONNECTION_STREAM_CLOSED : STREAM_CLOSED;
    default:
      // §5.1.1: a HEADERS below the highest stream id opened is an unexpected identifier.
      return type === FrameType.HEADERS ? CONNECTION_PROTOCOL_ERROR : STREAM_CLOSED;
  }
}

/**
 * A frame on an idle stream (§5.1 idle): "Receiving any frame other than HEADERS or PRIORITY on a
 * stream in this state MUST be treated as a connection error of type PROTOCOL_ERROR."
 * HEADERS opens the stream when the id is the peer's to use; the caller checks that.
 */
export function recvOnIdle(type: number): Ruling {
  return type === FrameType.HEADERS || type === FrameType.PRIORITY ? ACCEPT : CONNECTION_PROTOCOL_ERROR;
}
