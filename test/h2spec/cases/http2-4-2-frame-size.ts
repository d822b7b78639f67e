/** h2spec http2/4_2_frame_size.go — RFC 7540 §4.2: frames up to, and over, SETTINGS_MAX_FRAME_SIZE. */
import { ErrorCode } from '../../../h2/frame/constants.js';
import { commonHeaders, dummyHeaders, type SpecGroup } from '../spec.js';
import { answered, caseOf, connectionError, postWith, streamError, writeRequest } from '../steps.js';

export const frameSize: SpecGroup = {
  key: 'http2',
  section: '4.2',
  name: 'Frame Size',
  cases: [
    caseOf(
      'Sends a DATA frame with 2^14 octets in length',
      'The endpoint MUST be capable of receiving and minimally processing frames up to 2^14 octets in length.',
      postWith((conn) => conn.writeData(1, true, 'x'.repeat(conn.maxFrameSize()))),
      answered,
    ),
    caseOf(
      'Sends a large size DATA frame that exceeds the SETTINGS_MAX_FRAME_SIZE',
      'The endpoint MUST send an error code of FRAME_SIZE_ERROR.',
      postWith((conn) => conn.writeData(1, true, 'x'.repeat(conn.maxFrameSize() + 1))),
      streamError(ErrorCode.FRAME_SIZE_ERROR),
    ),
    // Five headers of 4000 bytes: one HEADERS frame over 16384 bytes.
    caseOf(
      'Sends a large size HEADERS frame that exceeds the SETTINGS_MAX_FRAME_SIZE',
      'The endpoint MUST respond with a connection error of type FRAME_SIZE_ERROR.',
      (conn, c) => writeRequest(conn, c, { headers: [...commonHeaders(c), ...dummyHeaders(c, 5)] }),
      connectionError(ErrorCode.FRAME_SIZE_ERROR),
    ),
  ],
};
