/** h2spec generic/3_2_headers.go — RFC 7540 §6.2: HEADERS frames, padded and with priority. */
import type { SpecGroup } from '../spec.js';
import { answered, caseOf, writeRequest } from '../steps.js';

export const headers: SpecGroup = {
  key: 'generic',
  section: '3.2',
  name: 'HEADERS',
  cases: [
    caseOf('Sends a HEADERS frame', 'The endpoint MUST accept HEADERS frame.', (conn, c) => writeRequest(conn, c), answered),
    caseOf(
      'Sends a HEADERS frame with padding',
      'The endpoint MUST accept HEADERS frame with padding.',
      (conn, c) => writeRequest(conn, c, { padLength: 8 }),
      answered,
    ),
    caseOf(
      'Sends a HEADERS frame with priority',
      'The endpoint MUST accept HEADERS frame with priority.',
      (conn, c) => writeRequest(conn, c, { priority: { streamDep: 0, exclusive: false, weight: 255 } }),
      answered,
    ),
  ],
};
