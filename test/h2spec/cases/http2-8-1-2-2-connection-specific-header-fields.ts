/** h2spec http2/8_1_2_2_connection_specific_header_fields.go — RFC 7540 §8.1.2.2: connection-specific fields, TE. */
import { commonHeaders, type SpecGroup } from '../spec.js';
import { malformedRequest } from '../steps.js';

export const connectionSpecificHeaderFields: SpecGroup = {
  key: 'http2',
  section: '8.1.2.2',
  name: 'Connection-Specific Header Fields',
  cases: [
    malformedRequest('Sends a HEADERS frame that contains the connection-specific header field', (c) => [...commonHeaders(c), ['connection', 'keep-alive']]),
    malformedRequest('Sends a HEADERS frame that contains the TE header field with any value other than "trailers"', (c) => [
      ...commonHeaders(c),
      ['trailers', 'test'],
      ['te', 'trailers, deflate'],
    ]),
  ],
};
