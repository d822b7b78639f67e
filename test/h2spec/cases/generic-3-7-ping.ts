/** h2spec generic/3_7_ping.go — RFC 7540 §6.7: a PING is answered. */
import { pingData, type SpecGroup } from '../spec.js';
import { caseOf, pingAcked } from '../steps.js';

export const ping: SpecGroup = {
  key: 'generic',
  section: '3.7',
  name: 'PING',
  cases: [
    caseOf(
      'Sends a PING frame',
      'The endpoint MUST accept PING frame.',
      (conn) => conn.writePing(false, pingData('h2spec')),
      pingAcked('h2spec'),
    ),
  ],
};
