/** h2spec http2/8_1_2_http_header_fields.go — RFC 7540 §8.1.2: uppercase header field names. */
import { commonHeaders, type SpecGroup } from '../spec.js';
import { malformedRequest } from '../steps.js';

export const httpHeaderFields: SpecGroup = {
  key: 'http2',
  section: '8.1.2',
  name: 'HTTP Header Fields',
  cases: [malformedRequest('Sends a HEADERS frame that contains the header field name in uppercase letters', (c) => [...commonHeaders(c), ['X-TEST', 'ok']])],
};
