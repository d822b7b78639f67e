/** h2spec http2/6_4_rst_stream.go — RFC 7540 §6.4: RST_STREAM on stream 0, on an idle stream, of the wrong length. */
import { ErrorCode } from '../../../h2/frame/constants.js';
import type { SpecGroup } from '../spec.js';
import { caseOf, connectionError, sendBytes, streamError, writeRequest } from '../steps.js';

const connectionProtocolError = 'The endpoint MUST respond with a connection error of type PROTOCOL_ERROR.';

export const rstStream: SpecGroup = {
  key: 'http2',
  section: '6.4',
  name: 'RST_STREAM',
  cases: [
    caseOf(
      'Sends a RST_STREAM frame with 0x0 stream identifier',
      connectionProtocolError,
      (conn) => conn.writeRstStream(0, ErrorCode.CANCEL),
      connectionError(ErrorCode.PROTOCOL_ERROR),
    ),
    caseOf('Sends a RST_STREAM frame on a idle stream', connectionProtocolError, (conn) => conn.writeRstStream(1, ErrorCode.CANCEL), connectionError(ErrorCode.PROTOCOL_ERROR)),
    caseOf(
      'Sends a RST_STREAM frame with a length other than 4 octets',
      'The endpoint MUST respond with a connection error of type FRAME_SIZE_ERROR.',
      (conn, c) => {
        writeRequest(conn, c);
        sendBytes('\x00\x00\x03\x03\x00\x00\x00\x00\x01', '\x00\x00\x00')(conn, c);
      },
      streamError(ErrorCode.FRAME_SIZE_ERROR),
    ),
  ],
};
