/** h2spec http2/6_1_data.go — RFC 7540 §6.1: DATA on stream 0, on a closed stream, with a bad pad length. */
import { ErrorCode } from '../../../h2/frame/constants.js';
import { requestWithMethod, type SpecGroup } from '../spec.js';
import { caseOf, connectionError, postWith, sendBytes, streamError, writeRequest } from '../steps.js';

export const data: SpecGroup = {
  key: 'http2',
  section: '6.1',
  name: 'DATA',
  cases: [
    caseOf(
      'Sends a DATA frame with 0x0 stream identifier',
      'The endpoint MUST respond with a connection error of type PROTOCOL_ERROR.',
      (conn) => conn.writeData(0, true, 'test'),
      connectionError(ErrorCode.PROTOCOL_ERROR),
    ),
    // The POST's HEADERS carry END_STREAM: the DATA comes on a half-closed (remote) stream.
    caseOf(
      'Sends a DATA frame on the stream that is not in "open" or "half-closed (local)" state',
      'The endpoint MUST respond with a stream error of type STREAM_CLOSED.',
      (conn, c) => {
        writeRequest(conn, c, { headers: requestWithMethod(c, 'POST') });
        conn.writeData(1, true, 'test');
      },
      streamError(ErrorCode.STREAM_CLOSED),
    ),
    // DATA of length 5 whose pad length says 6.
    caseOf(
      'Sends a DATA frame with invalid pad length',
      'The endpoint MUST treat this as a connection error of type PROTOCOL_ERROR.',
      postWith(sendBytes('\x00\x00\x05\x00\x09\x00\x00\x00\x01', '\x06\x54\x65\x73\x74'), [['content-length', '4']]),
      connectionError(ErrorCode.PROTOCOL_ERROR),
    ),
  ],
};
