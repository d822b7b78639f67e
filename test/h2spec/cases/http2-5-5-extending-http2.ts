/** h2spec http2/5_5_extending_http2.go — RFC 7540 §5.5: unknown frames, and one inside a header block. */
import { ErrorCode } from '../../../h2/frame/constants.js';
import type { SpecGroup } from '../spec.js';
import { caseOf, connectionError, pingAcked, writeRequest } from '../steps.js';
import { unknownFrame, unknownFrameThenPing } from './http2-4-1-frame-format.js';

export const extendingHttp2: SpecGroup = {
  key: 'http2',
  section: '5.5',
  name: 'Extending HTTP/2',
  cases: [
    caseOf(
      'Sends an unknown extension frame',
      'The endpoint MUST ignore unknown or unsupported values in all extensible protocol elements.',
      unknownFrameThenPing,
      pingAcked(),
    ),
    caseOf(
      'Sends an unknown extension frame in the middle of a header block',
      'The endpoint MUST treat as a connection error of type PROTOCOL_ERROR.',
      (conn, c) => {
        writeRequest(conn, c, { endHeaders: false });
        unknownFrame(conn, c);
      },
      connectionError(ErrorCode.PROTOCOL_ERROR),
    ),
  ],
};
