/** h2spec http2/6_10_continuation.go — RFC 7540 §6.10: CONTINUATION sequences, valid and broken. */
import { ErrorCode } from '../../../h2/frame/constants.js';
import type { H2specConn } from '../conn.js';
import { dummyHeaders, requestWithMethod, type SpecConfig, type SpecGroup } from '../spec.js';
import { answered, caseOf, connectionError, writeRequest } from '../steps.js';

const protocolError = 'The endpoint MUST respond with a connection error of type PROTOCOL_ERROR.';

/** A CONTINUATION on `streamId` carrying one dummy header. */
const dummyContinuation = (conn: H2specConn, c: SpecConfig, streamId: number, endHeaders: boolean): void =>
  conn.writeContinuation(streamId, endHeaders, conn.encodeHeaders(dummyHeaders(c, 1)));

export const continuation: SpecGroup = {
  key: 'http2',
  section: '6.10',
  name: 'CONTINUATION',
  cases: [
    caseOf(
      'Sends multiple CONTINUATION frames preceded by a HEADERS frame',
      'The endpoint must accept the frame.',
      (conn, c) => {
        writeRequest(conn, c, { endHeaders: false });
        dummyContinuation(conn, c, 1, false);
        dummyContinuation(conn, c, 1, true);
      },
      answered,
    ),
    caseOf(
      'Sends a CONTINUATION frame followed by any frame other than CONTINUATION',
      'The endpoint MUST treat this as a connection error of type PROTOCOL_ERROR.',
      (conn, c) => {
        writeRequest(conn, c, { headers: requestWithMethod(c, 'POST'), endStream: false, endHeaders: false });
        dummyContinuation(conn, c, 1, false);
        conn.writeData(1, true, 'test');
      },
      connectionError(ErrorCode.PROTOCOL_ERROR),
    ),
    caseOf(
      'Sends a CONTINUATION frame with 0x0 stream identifier',
      protocolError,
      (conn, c) => {
        writeRequest(conn, c, { endHeaders: false });
        dummyContinuation(conn, c, 0, true);
      },
      connectionError(ErrorCode.PROTOCOL_ERROR),
    ),
    caseOf(
      'Sends a CONTINUATION frame preceded by a HEADERS frame with END_HEADERS flag',
      protocolError,
      (conn, c) => {
        writeRequest(conn, c);
        dummyContinuation(conn, c, 1, true);
      },
      connectionError(ErrorCode.PROTOCOL_ERROR),
    ),
    caseOf(
      'Sends a CONTINUATION frame preceded by a CONTINUATION frame with END_HEADERS flag',
      protocolError,
      (conn, c) => {
        writeRequest(conn, c, { endHeaders: false });
        dummyContinuation(conn, c, 1, true);
        dummyContinuation(conn, c, 1, true);
      },
      connectionError(ErrorCode.PROTOCOL_ERROR),
    ),
    caseOf(
      'Sends a CONTINUATION frame preceded by a DATA frame',
      protocolError,
      (conn, c) => {
        writeRequest(conn, c, { headers: requestWithMethod(c, 'POST'), endStream: false, endHeaders: false });
        conn.writeData(1, true, 'test');
        dummyContinuation(conn, c, 1, false);
        dummyContinuation(conn, c, 0, true);
      },
      connectionError(ErrorCode.PROTOCOL_ERROR),
    ),
  ],
};
