/** h2spec generic/3_8_goaway.go — RFC 7540 §6.8: a GOAWAY from the client is accepted. */
import { ErrorCode } from '../../../h2/frame/constants.js';
import { pingData, type SpecGroup } from '../spec.js';
import { caseOf, pingAckedOrClosed } from '../steps.js';

export const goAway: SpecGroup = {
  key: 'generic',
  section: '3.8',
  name: 'GOAWAY',
  cases: [
    caseOf(
      'Sends a GOAWAY frame',
      'The endpoint MUST accept GOAWAY frame.',
      (conn) => {
        conn.writeGoAway(0, ErrorCode.NO_ERROR, Buffer.from('h2spec'));
        conn.writePing(false, pingData('h2spec'));
      },
      pingAckedOrClosed('h2spec'),
    ),
  ],
};
