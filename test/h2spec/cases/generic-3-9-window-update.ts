/** h2spec generic/3_9_window_update.go — RFC 7540 §6.9: WINDOW_UPDATE on the connection and a stream. */
import { pingData, type SpecGroup } from '../spec.js';
import { answered, caseOf, pingAcked, writeRequest } from '../steps.js';

export const windowUpdate: SpecGroup = {
  key: 'generic',
  section: '3.9',
  name: 'WINDOW_UPDATE',
  cases: [
    caseOf(
      'Sends a WINDOW_UPDATE frame with stream ID 0',
      'The endpoint MUST accept WINDOW_UPDATE frame.',
      (conn) => {
        conn.writeWindowUpdate(0, 1);
        conn.writePing(false, pingData());
      },
      pingAcked(),
    ),
    caseOf(
      'Sends a WINDOW_UPDATE frame with stream ID 1',
      'The endpoint MUST accept WINDOW_UPDATE frame.',
      (conn, c) => {
        writeRequest(conn, c);
        conn.writeWindowUpdate(1, 1);
      },
      answered,
    ),
  ],
};
