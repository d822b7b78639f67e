/** h2spec generic/3_1_data.go — RFC 7540 §6.1: DATA frames, several, and padded. */
import type { SpecGroup } from '../spec.js';
import { answered, caseOf, postWith } from '../steps.js';

export const data: SpecGroup = {
  key: 'generic',
  section: '3.1',
  name: 'DATA',
  cases: [
    caseOf('Sends a DATA frame', 'The endpoint MUST accept DATA frame.', postWith((conn) => conn.writeData(1, true, 'test')), answered),
    caseOf(
      'Sends multiple DATA frames',
      'The endpoint MUST accept multiple DATA frames.',
      postWith((conn) => {
        conn.writeData(1, false, 'test');
        conn.writeData(1, true, 'test');
      }),
      answered,
    ),
    caseOf(
      'Sends a DATA frame with padding',
      'The endpoint MUST accept DATA frame with padding.',
      postWith((conn) => conn.writeDataPadded(1, true, 'test', Buffer.alloc(5))),
      answered,
    ),
  ],
};
