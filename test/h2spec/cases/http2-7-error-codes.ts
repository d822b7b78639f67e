/** h2spec http2/7_error_codes.go — RFC 7540 §7: unknown error codes trigger nothing special. */
import { pingData, type SpecGroup } from '../spec.js';
import { caseOf, pingAckedOrClosed, postWith } from '../steps.js';

const requirement = 'The endpoint MUST NOT trigger any special behavior.';
const UNKNOWN_CODE = 0xff;

export const errorCodes: SpecGroup = {
  key: 'http2',
  section: '7',
  name: 'Error Codes',
  cases: [
    caseOf(
      'Sends a GOAWAY frame with unknown error code',
      requirement,
      (conn) => {
        conn.writeGoAway(0, UNKNOWN_CODE, Buffer.alloc(0));
        conn.writePing(false, pingData('h2spec'));
      },
      pingAckedOrClosed('h2spec'),
    ),
    caseOf(
      'Sends a RST_STREAM frame with unknown error code',
      requirement,
      postWith((conn) => {
        conn.writeRstStream(1, UNKNOWN_CODE);
        conn.writePing(false, pingData());
      }),
      pingAckedOrClosed(),
    ),
  ],
};
