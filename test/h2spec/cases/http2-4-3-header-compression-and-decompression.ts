/** h2spec http2/4_3_header_compression_and_decompression.go — RFC 7540 §4.3. */
import { ErrorCode } from '../../../h2/frame/constants.js';
import type { H2specConn } from '../conn.js';
import { dummyHeaders, type SpecConfig, type SpecGroup } from '../spec.js';
import { caseOf, connectionError, sendBytes, writeRequest } from '../steps.js';

/** A header block on stream 1 interrupted by a PRIORITY frame before its CONTINUATION (also http2/6.2/1). */
export function priorityInsideHeaderBlock(conn: H2specConn, c: SpecConfig): void {
  writeRequest(conn, c, { endStream: false, endHeaders: false });
  conn.writePriority(1, { streamDep: 0, exclusive: false, weight: 255 });
  conn.writeContinuation(1, true, conn.encodeHeaders(dummyHeaders(c, 1)));
}

/** A header block on stream 1 interrupted by a whole request on stream 3 (also http2/6.2/2). */
export function headersInsideHeaderBlock(conn: H2specConn, c: SpecConfig): void {
  writeRequest(conn, c, { endStream: false, endHeaders: false });
  writeRequest(conn, c, { streamId: 3 });
  conn.writeContinuation(1, true, conn.encodeHeaders(dummyHeaders(c, 1)));
}

export const headerCompressionAndDecompression: SpecGroup = {
  key: 'http2',
  section: '4.3',
  name: 'Header Compression and Decompression',
  cases: [
    // HEADERS on stream 1 whose block is a literal with incremental indexing cut after its first byte.
    caseOf(
      'Sends invalid header block fragment',
      'The endpoint MUST terminate the connection with a connection error of type COMPRESSION_ERROR.',
      sendBytes('\x00\x00\x01\x01\x05\x00\x00\x00\x01\x40'),
      connectionError(ErrorCode.COMPRESSION_ERROR),
    ),
    caseOf(
      'Sends a PRIORITY frame while sending the header blocks',
      'The endpoint MUST terminate the connection with a connection error of type PROTOCOL_ERROR.',
      priorityInsideHeaderBlock,
      connectionError(ErrorCode.PROTOCOL_ERROR),
    ),
    caseOf(
      'Sends a HEADERS frame to another stream while sending the header blocks',
      'The endpoint MUST terminate the connection with a connection error of type PROTOCOL_ERROR.',
      headersInsideHeaderBlock,
      connectionError(ErrorCode.PROTOCOL_ERROR),
    ),
  ],
};
