/** h2spec http2/8_1_2_3_request_pseudo_header_fields.go — RFC 7540 §8.1.2.3: empty, missing and repeated pseudo-headers. */
import { commonHeaders, type SpecConfig, type SpecGroup } from '../spec.js';
import { malformedRequest } from '../steps.js';

/** CommonHeaders keeping only the entries at `indexes` (0 :method, 1 :scheme, 2 :path, 3 :authority). */
const only = (c: SpecConfig, ...indexes: number[]) => indexes.map((i) => commonHeaders(c)[i]!);
/** CommonHeaders with a second copy of entry `index`. */
const repeated = (c: SpecConfig, index: number) => [...commonHeaders(c), commonHeaders(c)[index]!];

export const requestPseudoHeaderFields: SpecGroup = {
  key: 'http2',
  section: '8.1.2.3',
  name: 'Request Pseudo-Header Fields',
  cases: [
    malformedRequest('Sends a HEADERS frame with empty ":path" pseudo-header field', (c) => {
      const headers = commonHeaders(c);
      headers[2] = [':path', ''];
      return headers;
    }),
    // h2spec encodes headers[1:] of [:scheme, :path, :authority]: :scheme goes missing too.
    malformedRequest('Sends a HEADERS frame that omits ":method" pseudo-header field', (c) => only(c, 2, 3)),
    malformedRequest('Sends a HEADERS frame that omits ":scheme" pseudo-header field', (c) => only(c, 0, 2, 3)),
    malformedRequest('Sends a HEADERS frame that omits ":path" pseudo-header field', (c) => only(c, 0, 1, 3)),
    malformedRequest('Sends a HEADERS frame with duplicated ":method" pseudo-header field', (c) => repeated(c, 0)),
    malformedRequest('Sends a HEADERS frame with duplicated ":scheme" pseudo-header field', (c) => repeated(c, 1)),
    malformedRequest('Sends a HEADERS frame with duplicated ":path" pseudo-header field', (c) => repeated(c, 2)),
  ],
};
