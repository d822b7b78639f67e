/**
 * h2spec's verifiers (spec/verifier.go), with its acceptance rules kept exactly:
 *  - a connection error passes on a GOAWAY with one of the codes, or on the connection closing
 *    (a GOAWAY with another code is not a failure by itself: the close that follows passes);
 *  - a stream error passes on a RST_STREAM or GOAWAY with one of the codes, or on a close;
 *  - frames of other kinds are read past; the case fails when the connection stays silent for a
 *    whole read timeout (or errs) before an accepted event came.
 * The `expected`/`actual` texts follow h2spec's so a failure reads like h2spec's output.
 */
import { ErrorCode, FrameType, errorCodeName, frameTypeName } from '../../h2/frame/constants.js';
import type { H2specConn } from './conn.js';
import { describeEvent, endsStream, errorCodeOf, isAck, isFrame, type H2Event } from './events.js';
import { TestError } from './spec.js';

const CONNECTION_CLOSED = 'Connection closed';
const goawayExpected = (code: number): string => `GOAWAY Frame (Error Code: ${errorCodeName(code)})`;
const rstExpected = (code: number): string => `RST_STREAM Frame (Error Code: ${errorCodeName(code)})`;

/**
 * The loop the event-by-event verifiers share: reads events until `accepts` passes one or the
 * connection ends (closed, error or a silent read timeout). What is reported as `actual` follows
 * h2spec: the last event read, except a timeout (kept only if nothing came) and the frame types
 * in `unrecorded` (h2spec reads past a GOAWAY/RST_STREAM with another code without noting it).
 */
async function verifyUntilClosed(
  conn: H2specConn,
  accepts: (ev: H2Event) => boolean,
  expected: readonly string[],
  unrecorded: readonly number[] = [],
  describe: (ev: H2Event) => string = describeEvent,
): Promise<void> {
  let actual: H2Event | undefined;
  while (!conn.closed) {
    const ev = await conn.waitEvent();
    if (accepts(ev)) return;
    if (ev.kind === 'timeout') actual ??= ev;
    else if (!(ev.kind === 'frame' && unrecorded.includes(ev.type))) actual = ev;
  }
  throw new TestError(expected, actual === undefined ? 'nothing' : describe(actual));
}

const closes = (ev: H2Event): boolean => ev.kind === 'closed';
const oneOf = (codes: readonly number[], ev: H2Event): boolean => ev.kind === 'frame' && codes.includes(errorCodeOf(ev)!);

/** VerifyConnectionClose: the server closes the connection. */
export function verifyConnectionClose(conn: H2specConn): Promise<void> {
  return verifyUntilClosed(conn, closes, [CONNECTION_CLOSED]);
}

/** VerifyConnectionError: a GOAWAY with one of `codes`, or the connection closing. */
export function verifyConnectionError(conn: H2specConn, ...codes: number[]): Promise<void> {
  return verifyUntilClosed(
    conn,
    (ev) => closes(ev) || (isFrame(ev, FrameType.GOAWAY) && oneOf(codes, ev)),
    [...codes.map(goawayExpected), CONNECTION_CLOSED],
    [FrameType.GOAWAY],
  );
}

/** VerifyStreamError: a RST_STREAM or GOAWAY with one of `codes`, or the connection closing. */
export function verifyStreamError(conn: H2specConn, ...codes: number[]): Promise<void> {
  return verifyUntilClosed(
    conn,
    (ev) => closes(ev) || ((isFrame(ev, FrameType.GOAWAY) || isFrame(ev, FrameType.RST_STREAM)) && oneOf(codes, ev)),
    [...codes.flatMap((code) => [goawayExpected(code), rstExpected(code)]), CONNECTION_CLOSED],
    [FrameType.GOAWAY, FrameType.RST_STREAM],
  );
}

/**
 * VerifyStreamClose: a DATA or HEADERS frame with END_STREAM, or a RST_STREAM with NO_ERROR.
 * Unlike the others, the connection closing does not pass.
 */
export function verifyStreamClose(conn: H2specConn): Promise<void> {
  return verifyUntilClosed(
    conn,
    (ev) => ev.kind === 'frame' && (endsStream(ev) || (ev.type === FrameType.RST_STREAM && errorCodeOf(ev) === ErrorCode.NO_ERROR)),
    ['Stream closed'],
  );
}

/** VerifyHeadersFrame: the first HEADERS frame that comes is on `streamId`. */
export async function verifyHeadersFrame(conn: H2specConn, streamId: number): Promise<void> {
  const [ev, found] = await conn.waitEventByType(FrameType.HEADERS);
  if (!found || ev.kind !== 'frame' || ev.streamId !== streamId) {
    throw new TestError([`HEADERS Frame (stream_id:${streamId})`], describeEvent(ev));
  }
}

/** VerifySettingsFrameWithAck: the first SETTINGS frame that comes is an ACK. */
export async function verifySettingsFrameWithAck(conn: H2specConn): Promise<void> {
  const [ev, found] = await conn.waitEventByType(FrameType.SETTINGS);
  if (!found || ev.kind !== 'frame' || !isAck(ev)) {
    throw new TestError(['SETTINGS Frame (length:0, flags:0x01, stream_id:0)'], describeEvent(ev));
  }
}

const pingExpected = (data: Buffer): string => `PING Frame (length:8, flags:0x01, stream_id:0, opaque_data:${data.toString('hex')})`;
const isPingAck = (ev: H2Event, data: Buffer): boolean => isFrame(ev, FrameType.PING) && isAck(ev) && ev.payload.equals(data);
const describePing = (ev: H2Event): string =>
  isFrame(ev, FrameType.PING) ? `${describeEvent(ev).slice(0, -1)}, opaque_data:${ev.payload.toString('hex')})` : describeEvent(ev);

/** VerifyPingFrameWithAck: the first PING frame that comes is an ACK carrying `data`. */
export async function verifyPingFrameWithAck(conn: H2specConn, data: Buffer): Promise<void> {
  const [ev, found] = await conn.waitEventByType(FrameType.PING);
  if (!found || !isPingAck(ev, data)) throw new TestError([pingExpected(data)], describePing(ev));
}

/** VerifyPingFrameOrConnectionClose: a PING ACK carrying `data`, or the connection closing. */
export function verifyPingFrameOrConnectionClose(conn: H2specConn, data: Buffer): Promise<void> {
  return verifyUntilClosed(conn, (ev) => closes(ev) || isPingAck(ev, data), [CONNECTION_CLOSED, pingExpected(data)], [], describePing);
}

/** VerifyEventType: a frame of `type` comes before the connection ends or goes silent. */
export async function verifyEventType(conn: H2specConn, type: number): Promise<void> {
  const [ev, found] = await conn.waitEventByType(type);
  if (!found) throw new TestError([`${frameTypeName(type)} frame`], describeEvent(ev));
}

/**
 * The flow-control cases' check (6.5.3, 6.9.1, 6.9.2): the first DATA frame that comes carries
 * exactly one byte.
 */
export async function verifyDataFrameOfLength1(conn: H2specConn, streamId: number): Promise<void> {
  const [ev, found] = await conn.waitEventByType(FrameType.DATA);
  if (!found || ev.kind !== 'frame' || ev.length !== 1) {
    throw new TestError([`DATA Frame (length:1, flags:0x00, stream_id:${streamId})`], describeEvent(ev));
  }
}
