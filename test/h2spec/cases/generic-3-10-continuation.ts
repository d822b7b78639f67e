/** h2spec generic/3_10_continuation.go — RFC 7540 §6.10: a header block cut into CONTINUATION frames. */
import { commonHeaders, type SpecGroup } from '../spec.js';
import { answered, caseOf } from '../steps.js';

export const continuation: SpecGroup = {
  key: 'generic',
  section: '3.10',
  name: 'CONTINUATION',
  cases: [
    caseOf(
      'Sends a CONTINUATION frame',
      'The endpoint MUST accept CONTINUATION frame.',
      (conn, c) => {
        const block = conn.encodeHeaders(commonHeaders(c));
        conn.writeHeaders({ streamId: 1, endStream: true, endHeaders: false, block: block.subarray(0, 5) });
        conn.writeContinuation(1, true, block.subarray(5));
      },
      answered,
    ),
    caseOf(
      'Sends multiple CONTINUATION frames',
      'The endpoint MUST accept multiple CONTINUATION frames.',
      (conn, c) => {
        const block = conn.encodeHeaders(commonHeaders(c));
        conn.writeHeaders({ streamId: 1, endStream: true, endHeaders: false, block: block.subarray(0, 5) });
        conn.writeContinuation(1, false, block.subarray(5, 10));
        conn.writeContinuation(1, true, block.subarray(10));
      },
      answered,
    ),
  ],
};
