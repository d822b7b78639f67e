/** h2spec http2/6_9_window_update.go — RFC 7540 §6.9: zero increments, the wrong length. */
import { ErrorCode } from '../../../h2/frame/constants.js';
import type { SpecGroup } from '../spec.js';
import { caseOf, connectionError, sendBytes, streamError, writeRequest } from '../steps.js';

const requirement = 'The endpoint MUST treat this as a connection error of type PROTOCOL_ERROR.';

export const windowUpdate: SpecGroup = {
  key: 'http2',
  section: '6.9',
  name: 'WINDOW_UPDATE',
  cases: [
    caseOf(
      'Sends a WINDOW_UPDATE frame with a flow control window increment of 0',
      requirement,
      (conn) => conn.writeWindowUpdate(0, 0),
      connectionError(ErrorCode.PROTOCOL_ERROR),
    ),
    caseOf(
      'Sends a WINDOW_UPDATE frame with a flow control window increment of 0 on a stream',
      requirement,
      (conn, c) => {
        writeRequest(conn, c, { endStream: false });
        conn.writeWindowUpdate(1, 0);
      },
      streamError(ErrorCode.PROTOCOL_ERROR),
    ),
    caseOf(
      'Sends a WINDOW_UPDATE frame with a length other than 4 octets',
      'The endpoint MUST treat this as a connection error of type FRAME_SIZE_ERROR.',
      sendBytes('\x00\x00\x03\x08\x00\x00\x00\x00\x00', '\x00\x00\x01'),
      connectionError(ErrorCode.FRAME_SIZE_ERROR),
    ),
  ],
};
