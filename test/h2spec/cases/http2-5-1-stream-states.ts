/** h2spec http2/5_1_stream_states.go — RFC 7540 §5.1: frames a stream's state does not allow. */
import { ErrorCode } from '../../../h2/frame/constants.js';
import type { H2specConn } from '../conn.js';
import { commonHeaders, dummyHeaders, type SpecConfig, type SpecGroup } from '../spec.js';
import { caseOf, connectionError, streamError, writeRequest } from '../steps.js';
import { verifyStreamClose } from '../verify.js';

const { PROTOCOL_ERROR, STREAM_CLOSED } = ErrorCode;

/** Stream 1 opened (no END_STREAM) and reset by the client with CANCEL. */
function openThenReset(conn: H2specConn, c: SpecConfig): void {
  writeRequest(conn, c, { endStream: false });
  conn.writeRstStream(1, ErrorCode.CANCEL);
}

/**
 * The "closed" cases' steps: a GET on stream 1 whose response must end first (VerifyStreamClose),
 * then `after` writes a frame on the now closed stream.
 */
function afterResponse(after: (conn: H2specConn, c: SpecConfig) => void): (conn: H2specConn, c: SpecConfig) => Promise<void> {
  return async (conn, c) => {
    writeRequest(conn, c);
    await verifyStreamClose(conn);
    after(conn, c);
  };
}

const idleConnectionError = 'The endpoint MUST treat this as a connection error of type PROTOCOL_ERROR.';
const halfClosedStreamError = 'The endpoint MUST respond with a stream error of type STREAM_CLOSED.';
const resetStreamError = 'The endpoint MUST treat this as a stream error of type STREAM_CLOSED.';
const closedConnectionError = 'The endpoint MUST treat this as a connection error of type STREAM_CLOSED.';

export const streamStates: SpecGroup = {
  key: 'http2',
  section: '5.1',
  name: 'Stream States',
  cases: [
    // h2spec accepts STREAM_CLOSED too: RFC 7540 §6.1 calls this a stream error of that type.
    caseOf('idle: Sends a DATA frame', idleConnectionError, (conn) => conn.writeData(1, true, 'test'), streamError(PROTOCOL_ERROR, STREAM_CLOSED)),
    caseOf('idle: Sends a RST_STREAM frame', idleConnectionError, (conn) => conn.writeRstStream(1, ErrorCode.CANCEL), connectionError(PROTOCOL_ERROR)),
    caseOf('idle: Sends a WINDOW_UPDATE frame', idleConnectionError, (conn) => conn.writeWindowUpdate(1, 100), connectionError(PROTOCOL_ERROR)),
    caseOf(
      'idle: Sends a CONTINUATION frame',
      idleConnectionError,
      (conn, c) => conn.writeContinuation(1, true, conn.encodeHeaders(commonHeaders(c))),
      connectionError(PROTOCOL_ERROR),
    ),
    caseOf(
      'half closed (remote): Sends a DATA frame',
      halfClosedStreamError,
      (conn, c) => {
        writeRequest(conn, c);
        conn.writeData(1, true, 'test');
      },
      streamError(STREAM_CLOSED),
    ),
    caseOf(
      'half closed (remote): Sends a HEADERS frame',
      halfClosedStreamError,
      (conn, c) => {
        writeRequest(conn, c);
        writeRequest(conn, c);
      },
      streamError(STREAM_CLOSED),
    ),
    caseOf(
      'half closed (remote): Sends a CONTINUATION frame',
      halfClosedStreamError,
      (conn, c) => {
        const block = conn.encodeHeaders(commonHeaders(c));
        conn.writeHeaders({ streamId: 1, endStream: true, endHeaders: true, block });
        conn.writeContinuation(1, true, block);
      },
      streamError(STREAM_CLOSED, PROTOCOL_ERROR),
    ),
    caseOf(
      'closed: Sends a DATA frame after sending RST_STREAM frame',
      resetStreamError,
      (conn, c) => {
        openThenReset(conn, c);
        conn.writeData(1, true, 'test');
      },
      streamError(STREAM_CLOSED),
    ),
    caseOf(
      'closed: Sends a HEADERS frame after sending RST_STREAM frame',
      resetStreamError,
      (conn, c) => {
        openThenReset(conn, c);
        writeRequest(conn, c);
      },
      streamError(STREAM_CLOSED),
    ),
    caseOf(
      'closed: Sends a CONTINUATION frame after sending RST_STREAM frame',
      resetStreamError,
      (conn, c) => {
        openThenReset(conn, c);
        conn.writeContinuation(1, true, conn.encodeHeaders(dummyHeaders(c, 1)));
      },
      streamError(STREAM_CLOSED, PROTOCOL_ERROR),
    ),
    caseOf('closed: Sends a DATA frame', closedConnectionError, afterResponse((conn) => conn.writeData(1, true, 'test')), streamError(STREAM_CLOSED)),
    caseOf('closed: Sends a HEADERS frame', closedConnectionError, afterResponse((conn, c) => writeRequest(conn, c)), connectionError(STREAM_CLOSED)),
    caseOf(
      'closed: Sends a CONTINUATION frame',
      closedConnectionError,
      afterResponse((conn, c) => conn.writeContinuation(1, true, conn.encodeHeaders(dummyHeaders(c, 1)))),
      connectionError(STREAM_CLOSED, PROTOCOL_ERROR),
    ),
  ],
};
