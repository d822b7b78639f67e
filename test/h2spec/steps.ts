/**
 * The steps many ported cases share, each one a line or two of h2spec's Go: sending the common
 * request, a POST with a body, a request with given header-block bytes, the server-preface check,
 * and the usual case shape (handshake, send frames, verify).
 */
import { CLIENT_PREFACE, ErrorCode, FrameType, SettingId } from '../../h2/frame/constants.js';
import type { HeaderList } from '../helpers/raw-h2.js';
import { DEFAULT_WINDOW_SIZE, type H2specConn, type PriorityParam } from './conn.js';
import { describeEvent, isAck, isFrame } from './events.js';
import { TestError, commonHeaders, pingData, requestWithMethod, requireServerData, type CaseDef, type SpecConfig } from './spec.js';
import { verifyConnectionError, verifyHeadersFrame, verifyPingFrameOrConnectionClose, verifyPingFrameWithAck, verifySettingsFrameWithAck, verifyStreamError } from './verify.js';

/** A case's steps between the handshake and the verdict; some wait for the server midway. */
type Send = (conn: H2specConn, c: SpecConfig) => void | Promise<void>;
type Verify = (conn: H2specConn) => Promise<void>;

/** The usual case: after the handshake `send` writes its frames, then `verify` judges. */
export function caseOf(desc: string, requirement: string, send: Send, verify: Verify): CaseDef {
  return {
    desc,
    requirement,
    async run(conn, c) {
      await conn.handshake();
      await send(conn, c);
      await verify(conn);
    },
  };
}

/** VerifyHeadersFrame on stream 1: the server answered the request. */
export const answered: Verify = (conn) => verifyHeadersFrame(conn, 1);

/** VerifyConnectionError with `codes`. */
export const connectionError =
  (...codes: number[]): Verify =>
  (conn) =>
    verifyConnectionError(conn, ...codes);

/** VerifyStreamError with `codes`. */
export const streamError =
  (...codes: number[]): Verify =>
  (conn) =>
    verifyStreamError(conn, ...codes);

/** VerifyPingFrameWithAck for the PING h2spec sent with `text` as its data. */
export const pingAcked =
  (text = ''): Verify =>
  (conn) =>
    verifyPingFrameWithAck(conn, pingData(text));

/** VerifyPingFrameOrConnectionClose for the PING h2spec sent with `text` as its data. */
export const pingAckedOrClosed =
  (text = ''): Verify =>
  (conn) =>
    verifyPingFrameOrConnectionClose(conn, pingData(text));

/** Writes raw bytes, each part as the Go source's conn.Send does (a frame header, then its payload). */
export function sendBytes(...parts: string[]): (conn: H2specConn, c: SpecConfig) => void {
  return (conn) => {
    for (const part of parts) conn.send(bytes(part));
  };
}

export interface RequestOptions {
  streamId?: number;
  /** The header list (default h2spec's CommonHeaders). */
  headers?: HeaderList;
  endStream?: boolean;
  endHeaders?: boolean;
  padLength?: number;
  priority?: PriorityParam;
}

/** One HEADERS frame carrying a request (default: GET, on stream 1, END_STREAM and END_HEADERS). */
export function writeRequest(conn: H2specConn, c: SpecConfig, o: RequestOptions = {}): void {
  conn.writeHeaders({
    streamId: o.streamId ?? 1,
    block: conn.encodeHeaders(o.headers ?? commonHeaders(c)),
    endStream: o.endStream ?? true,
    endHeaders: o.endHeaders ?? true,
    padLength: o.padLength,
    priority: o.priority,
  });
}

/** A POST on stream 1 (HEADERS without END_STREAM, `extra` headers added), then `body`. */
export function postWith(body: (conn: H2specConn, c: SpecConfig) => void, extra: HeaderList = []): Send {
  return (conn, c) => {
    writeRequest(conn, c, { headers: requestWithMethod(c, 'POST', extra), endStream: false });
    body(conn, c);
  };
}

/** A GET on stream 1 whose header block is `block` (END_STREAM, END_HEADERS). */
export function requestWithBlock(block: (conn: H2specConn, c: SpecConfig) => Buffer): Send {
  return (conn, c) => conn.writeHeaders({ streamId: 1, endStream: true, endHeaders: true, block: block(conn, c) });
}

/** The 8.1.2.x shape: one GET on stream 1 with `headers`, malformed, so a stream error PROTOCOL_ERROR. */
export function malformedRequest(desc: string, headers: (c: SpecConfig) => HeaderList): CaseDef {
  return caseOf(
    desc,
    'The endpoint MUST respond with a stream error of type PROTOCOL_ERROR.',
    (conn, c) => writeRequest(conn, c, { headers: headers(c) }),
    streamError(ErrorCode.PROTOCOL_ERROR),
  );
}

/** The hpack/ shape: one GET on stream 1 whose block is `block`, a decoding error: so a connection error COMPRESSION_ERROR. */
export function decodingErrorCase(desc: string, block: (conn: H2specConn, c: SpecConfig) => Buffer): CaseDef {
  return caseOf(desc, 'The endpoint MUST treat this as a decoding error.', requestWithBlock(block), connectionError(ErrorCode.COMPRESSION_ERROR));
}

/** Bytes written in the Go source as a string of \xNN escapes. */
export function bytes(latin1: string): Buffer {
  return Buffer.from(latin1, 'latin1');
}

/** The common request's block with `rep` after it (`at: 'start'`: before it). */
export function commonBlockWith(rep: Buffer, at: 'start' | 'end' = 'end'): (conn: H2specConn, c: SpecConfig) => Buffer {
  return (conn, c) => {
    const block = conn.encodeHeaders(commonHeaders(c));
    return at === 'end' ? Buffer.concat([block, rep]) : Buffer.concat([rep, block]);
  };
}

/**
 * The opening of the flow-control cases (6.5.3, 6.9.1, 6.9.2): they need a response body of at
 * least `minBody` bytes (else skip); after the handshake `settings` go out and must be
 * acknowledged, then the GET on stream 1.
 */
export async function requestUnderSettings(conn: H2specConn, c: SpecConfig, minBody: number, ...settings: Array<readonly [number, number]>): Promise<void> {
  await requireServerData(c, minBody);
  await conn.handshake();
  conn.writeSettings(...settings);
  await verifySettingsFrameWithAck(conn);
  writeRequest(conn, c);
}

/**
 * generic/1 and http2/3.5/1: after the client preface and a SETTINGS frame, the very first thing
 * the server sends is a SETTINGS frame without ACK.
 */
export async function sendPrefaceExpectSettings(conn: H2specConn): Promise<void> {
  conn.send(CLIENT_PREFACE);
  conn.writeSettings([SettingId.INITIAL_WINDOW_SIZE, DEFAULT_WINDOW_SIZE]);
  const ev = await conn.waitEvent();
  if (!isFrame(ev, FrameType.SETTINGS) || isAck(ev)) throw new TestError(['SETTINGS Frame (flags:0x00)'], describeEvent(ev));
}
