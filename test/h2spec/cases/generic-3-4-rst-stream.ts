/** h2spec generic/3_4_rst_stream.go — RFC 7540 §6.4: a RST_STREAM cancelling an open stream. */
import { ErrorCode } from '../../../h2/frame/constants.js';
import { pingData, type SpecGroup } from '../spec.js';
import { caseOf, pingAckedOrClosed, writeRequest } from '../steps.js';

export const rstStream: SpecGroup = {
  key: 'generic',
  section: '3.4',
  name: 'RST_STREAM',
  cases: [
    caseOf(
      'Sends a RST_STREAM frame',
      'The endpoint MUST accept RST_STREAM frame.',
      (conn, c) => {
        writeRequest(conn, c, { endStream: false });
        conn.writeRstStream(1, ErrorCode.CANCEL);
        conn.writePing(false, pingData());
      },
      pingAckedOrClosed(),
    ),
  ],
};
