/** h2spec http2/6_7_ping.go — RFC 7540 §6.7: PING answered, a PING ACK not answered, malformed PINGs. */
import { ErrorCode } from '../../../h2/frame/constants.js';
import { pingData, type SpecGroup } from '../spec.js';
import { caseOf, connectionError, pingAcked, sendBytes } from '../steps.js';

export const ping: SpecGroup = {
  key: 'http2',
  section: '6.7',
  name: 'PING',
  cases: [
    caseOf(
      'Sends a PING frame',
      'The endpoint MUST sends a PING frame with ACK, with an identical payload.',
      (conn) => conn.writePing(false, pingData('h2spec')),
      pingAcked('h2spec'),
    ),
    // The first PING the server sends must answer the second one, not the unsolicited ACK.
    caseOf(
      'Sends a PING frame with ACK',
      'The endpoint MUST NOT respond to PING frames with ACK.',
      (conn) => {
        conn.writePing(true, pingData('invalid'));
        conn.writePing(false, pingData('h2spec'));
      },
      pingAcked('h2spec'),
    ),
    caseOf(
      'Sends a PING frame with a stream identifier field value other than 0x0',
      'The endpoint MUST respond with a connection error of type PROTOCOL_ERROR.',
      sendBytes('\x00\x00\x08\x06\x00\x00\x00\x00\x01', '\x00\x00\x00\x00\x00\x00\x00\x00'),
      connectionError(ErrorCode.PROTOCOL_ERROR),
    ),
    caseOf(
      'Sends a PING frame with a length field value other than 8',
      'The endpoint MUST treat this as a connection error of type FRAME_SIZE_ERROR.',
      sendBytes('\x00\x00\x06\x06\x00\x00\x00\x00\x00', '\x00\x00\x00\x00\x00\x00'),
      connectionError(ErrorCode.FRAME_SIZE_ERROR),
    ),
  ],
};
