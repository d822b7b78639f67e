/** h2spec http2/5_1_1_stream_identifiers.go — RFC 7540 §5.1.1: even and decreasing stream identifiers. */
import { ErrorCode } from '../../../h2/frame/constants.js';
import type { SpecGroup } from '../spec.js';
import { caseOf, connectionError, writeRequest } from '../steps.js';

const requirement = 'The endpoint MUST respond with a connection error of type PROTOCOL_ERROR.';

export const streamIdentifiers: SpecGroup = {
  key: 'http2',
  section: '5.1.1',
  name: 'Stream Identifiers',
  cases: [
    caseOf('Sends even-numbered stream identifier', requirement, (conn, c) => writeRequest(conn, c, { streamId: 2 }), connectionError(ErrorCode.PROTOCOL_ERROR)),
    caseOf(
      'Sends stream identifier that is numerically smaller than previous',
      requirement,
      (conn, c) => {
        writeRequest(conn, c, { streamId: 5 });
        writeRequest(conn, c, { streamId: 3 });
      },
      connectionError(ErrorCode.PROTOCOL_ERROR),
    ),
  ],
};
