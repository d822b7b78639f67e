/** h2spec http2/6_2_headers.go — RFC 7540 §6.2: interrupted header blocks, stream 0, a bad pad length. */
import { ErrorCode } from '../../../h2/frame/constants.js';
import { commonHeaders, type SpecGroup } from '../spec.js';
import { caseOf, connectionError, streamError, writeRequest } from '../steps.js';
import { headersInsideHeaderBlock, priorityInsideHeaderBlock } from './http2-4-3-header-compression-and-decompression.js';

const connectionProtocolError = 'The endpoint MUST treat this as a connection error of type PROTOCOL_ERROR.';

export const headers: SpecGroup = {
  key: 'http2',
  section: '6.2',
  name: 'HEADERS',
  cases: [
    caseOf(
      'Sends a HEADERS frame without the END_HEADERS flag, and a PRIORITY frame',
      connectionProtocolError,
      priorityInsideHeaderBlock,
      connectionError(ErrorCode.PROTOCOL_ERROR),
    ),
    caseOf(
      'Sends a HEADERS frame to another stream while sending a HEADERS frame',
      connectionProtocolError,
      headersInsideHeaderBlock,
      connectionError(ErrorCode.PROTOCOL_ERROR),
    ),
    caseOf(
      'Sends a HEADERS frame with 0x0 stream identifier',
      'The endpoint MUST respond with a connection error of type PROTOCOL_ERROR.',
      (conn, c) => writeRequest(conn, c, { streamId: 0 }),
      connectionError(ErrorCode.PROTOCOL_ERROR),
    ),
    // HEADERS (END_STREAM, END_HEADERS, PADDED) whose pad length is one more than what follows it.
    caseOf(
      'Sends a HEADERS frame with invalid pad length',
      connectionProtocolError,
      (conn, c) => {
        const block = conn.encodeHeaders(commonHeaders(c));
        conn.send(Buffer.from([0, 0, block.length + 1, 0x01, 0x0d, 0, 0, 0, 1]));
        conn.send(Buffer.from([block.length + 2]));
        conn.send(block);
      },
      streamError(ErrorCode.PROTOCOL_ERROR),
    ),
  ],
};
