/** h2spec http2/6_8_goaway.go — RFC 7540 §6.8: GOAWAY on a stream. */
import { ErrorCode } from '../../../h2/frame/constants.js';
import type { SpecGroup } from '../spec.js';
import { caseOf, connectionError, sendBytes } from '../steps.js';

export const goAway: SpecGroup = {
  key: 'http2',
  section: '6.8',
  name: 'GOAWAY',
  cases: [
    caseOf(
      'Sends a GOAWAY frame with a stream identifier other than 0x0',
      'The endpoint MUST treat this as a connection error of type PROTOCOL_ERROR.',
      sendBytes('\x00\x00\x08\x07\x00\x00\x00\x00\x01', '\x00\x00\x00\x00\x00\x00\x00\x00'),
      connectionError(ErrorCode.PROTOCOL_ERROR),
    ),
  ],
};
