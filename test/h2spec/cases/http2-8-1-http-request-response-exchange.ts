/** h2spec http2/8_1_http_request_response_exchange.go — RFC 7540 §8.1: a second HEADERS without END_STREAM. */
import { ErrorCode } from '../../../h2/frame/constants.js';
import type { SpecGroup } from '../spec.js';
import { caseOf, postWith, streamError } from '../steps.js';

export const httpRequestResponseExchange: SpecGroup = {
  key: 'http2',
  section: '8.1',
  name: 'HTTP Request/Response Exchange',
  cases: [
    caseOf(
      'Sends a second HEADERS frame without the END_STREAM flag',
      'The endpoint MUST respond with a stream error of type PROTOCOL_ERROR.',
      postWith((conn) => {
        conn.writeData(1, false, 'test');
        conn.writeHeaders({ streamId: 1, endStream: false, endHeaders: true, block: conn.encodeHeaders([['x-test', 'ok']]) });
      }),
      streamError(ErrorCode.PROTOCOL_ERROR),
    ),
  ],
};
