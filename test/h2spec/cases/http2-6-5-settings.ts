/** h2spec http2/6_5_settings.go — RFC 7540 §6.5: malformed SETTINGS frames. */
import { ErrorCode } from '../../../h2/frame/constants.js';
import type { SpecGroup } from '../spec.js';
import { caseOf, connectionError, sendBytes, streamError } from '../steps.js';

export const settings: SpecGroup = {
  key: 'http2',
  section: '6.5',
  name: 'SETTINGS',
  cases: [
    caseOf(
      'Sends a SETTINGS frame with ACK flag and payload',
      'The endpoint MUST respond with a connection error of type FRAME_SIZE_ERROR.',
      sendBytes('\x00\x00\x01\x04\x01\x00\x00\x00\x00', '\x00'),
      connectionError(ErrorCode.FRAME_SIZE_ERROR),
    ),
    caseOf(
      'Sends a SETTINGS frame with a stream identifier other than 0x0',
      'The endpoint MUST respond with a connection error of type PROTOCOL_ERROR.',
      sendBytes('\x00\x00\x06\x04\x00\x00\x00\x00\x01', '\x00\x03\x00\x00\x00\x64'),
      connectionError(ErrorCode.PROTOCOL_ERROR),
    ),
    caseOf(
      'Sends a SETTINGS frame with a length other than a multiple of 6 octets',
      'The endpoint MUST respond with a connection error of type FRAME_SIZE_ERROR.',
      sendBytes('\x00\x00\x03\x04\x00\x00\x00\x00\x00', '\x00\x03\x00'),
      streamError(ErrorCode.PROTOCOL_ERROR, ErrorCode.FRAME_SIZE_ERROR),
    ),
  ],
};
