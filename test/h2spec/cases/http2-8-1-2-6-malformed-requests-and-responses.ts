/** h2spec http2/8_1_2_6_malformed_requests_and_responses.go — RFC 7540 §8.1.2.6: content-length against the DATA sent. */
import { ErrorCode } from '../../../h2/frame/constants.js';
import type { SpecGroup } from '../spec.js';
import { caseOf, postWith, streamError } from '../steps.js';

const requirement = 'The endpoint MUST treat this as a stream error of type PROTOCOL_ERROR.';
const contentLength1: Array<[string, string]> = [['content-length', '1']];

export const malformedRequestsAndResponses: SpecGroup = {
  key: 'http2',
  section: '8.1.2.6',
  name: 'Malformed Requests and Responses',
  cases: [
    caseOf(
      'Sends a HEADERS frame with the "content-length" header field which does not equal the DATA frame payload length',
      requirement,
      postWith((conn) => conn.writeData(1, true, 'test'), contentLength1),
      streamError(ErrorCode.PROTOCOL_ERROR),
    ),
    caseOf(
      'Sends a HEADERS frame with the "content-length" header field which does not equal the sum of the multiple DATA frames payload length',
      requirement,
      postWith((conn) => {
        conn.writeData(1, false, 'test');
        conn.writeData(1, true, 'test');
      }, contentLength1),
      streamError(ErrorCode.PROTOCOL_ERROR),
    ),
  ],
};
