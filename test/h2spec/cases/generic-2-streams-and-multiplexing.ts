/** h2spec generic/2_streams_and_multiplexing.go — RFC 7540 §5.1: frames every stream state accepts. */
import { ErrorCode, FrameType, SettingId } from '../../../h2/frame/constants.js';
import type { H2specConn } from '../conn.js';
import { pingData, type SpecConfig, type SpecGroup } from '../spec.js';
import { caseOf, pingAcked, pingAckedOrClosed, writeRequest } from '../steps.js';
import { verifyEventType, verifyStreamClose } from '../verify.js';

const weight255 = { streamDep: 0, exclusive: false, weight: 255 };
const dataFrame = (conn: H2specConn): Promise<void> => verifyEventType(conn, FrameType.DATA);

/** A GET on stream 1 under INITIAL_WINDOW_SIZE 0, which keeps the server from closing the stream. */
function getWithNoWindow(conn: H2specConn, c: SpecConfig): void {
  conn.writeSettings([SettingId.INITIAL_WINDOW_SIZE, 0]);
  writeRequest(conn, c);
}

export const streamsAndMultiplexing: SpecGroup = {
  key: 'generic',
  section: '2',
  name: 'Streams and Multiplexing',
  cases: [
    caseOf(
      'Sends a PRIORITY frame on idle stream',
      'The endpoint MUST accept PRIORITY frame.',
      (conn) => {
        conn.writePriority(1, weight255);
        conn.writePing(false, pingData());
      },
      pingAcked(),
    ),
    caseOf(
      'Sends a WINDOW_UPDATE frame on half-closed (remote) stream',
      'The endpoint MUST accept WINDOW_UPDATE frame.',
      (conn, c) => {
        getWithNoWindow(conn, c);
        conn.writeWindowUpdate(1, 1);
      },
      dataFrame,
    ),
    caseOf(
      'Sends a PRIORITY frame on half-closed (remote) stream',
      'The endpoint MUST accept PRIORITY frame.',
      (conn, c) => {
        getWithNoWindow(conn, c);
        conn.writePriority(1, weight255);
        conn.writeWindowUpdate(1, 1);
      },
      dataFrame,
    ),
    caseOf(
      'Sends a RST_STREAM frame on half-closed (remote) stream',
      'The endpoint MUST accept RST_STREAM frame.',
      (conn, c) => {
        writeRequest(conn, c);
        conn.writeRstStream(1, ErrorCode.CANCEL);
        conn.writePing(false, pingData());
      },
      pingAckedOrClosed(),
    ),
    caseOf(
      'Sends a PRIORITY frame on closed stream',
      'The endpoint MUST accept PRIORITY frame.',
      async (conn, c) => {
        writeRequest(conn, c);
        await verifyStreamClose(conn);
        conn.writePriority(1, weight255);
        conn.writePing(false, pingData());
      },
      pingAcked(),
    ),
  ],
};
