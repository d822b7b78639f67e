/** h2spec http2/6_3_priority.go — RFC 7540 §6.3: PRIORITY on stream 0 and of the wrong length. */
import { ErrorCode } from '../../../h2/frame/constants.js';
import type { SpecGroup } from '../spec.js';
import { caseOf, connectionError, sendBytes, streamError, writeRequest } from '../steps.js';

export const priority: SpecGroup = {
  key: 'http2',
  section: '6.3',
  name: 'PRIORITY',
  cases: [
    caseOf(
      'Sends a PRIORITY frame with 0x0 stream identifier',
      'The endpoint MUST respond with a connection error of type PROTOCOL_ERROR.',
      (conn) => conn.writePriority(0, { streamDep: 0, exclusive: false, weight: 255 }),
      connectionError(ErrorCode.PROTOCOL_ERROR),
    ),
    caseOf(
      'Sends a PRIORITY frame with a length other than 5 octets',
      'The endpoint MUST respond with a stream error of type FRAME_SIZE_ERROR.',
      (conn, c) => {
        writeRequest(conn, c);
        sendBytes('\x00\x00\x04\x02\x00\x00\x00\x00\x01', '\x80\x00\x00\x01')(conn, c);
      },
      streamError(ErrorCode.FRAME_SIZE_ERROR),
    ),
  ],
};
