/** h2spec http2/8_1_2_1_pseudo_header_fields.go — RFC 7540 §8.1.2.1: undefined, response-only, trailing and late pseudo-headers. */
import { ErrorCode } from '../../../h2/frame/constants.js';
import { commonHeaders, type SpecGroup } from '../spec.js';
import { caseOf, malformedRequest, postWith, streamError } from '../steps.js';

export const pseudoHeaderFields: SpecGroup = {
  key: 'http2',
  section: '8.1.2.1',
  name: 'Pseudo-Header Fields',
  cases: [
    malformedRequest('Sends a HEADERS frame that contains a unknown pseudo-header field', (c) => [...commonHeaders(c), [':test', 'ok']]),
    malformedRequest('Sends a HEADERS frame that contains the pseudo-header field defined for response', (c) => [...commonHeaders(c), [':status', '200']]),
    // Trailers (a second HEADERS, here without END_STREAM) holding a pseudo-header.
    caseOf(
      'Sends a HEADERS frame that contains a pseudo-header field as trailers',
      'The endpoint MUST respond with a stream error of type PROTOCOL_ERROR.',
      postWith((conn) => {
        conn.writeData(1, false, 'test');
        conn.writeHeaders({ streamId: 1, endStream: false, endHeaders: true, block: conn.encodeHeaders([[':method', 'POST']]) });
      }),
      streamError(ErrorCode.PROTOCOL_ERROR),
    ),
    malformedRequest(
      'Sends a HEADERS frame that contains a pseudo-header field that appears in a header block after a regular header field',
      (c) => [['x-test', 'ok'], ...commonHeaders(c)],
    ),
  ],
};
