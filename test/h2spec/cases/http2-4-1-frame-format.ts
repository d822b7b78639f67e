/** h2spec http2/4_1_frame_format.go — RFC 7540 §4.1: unknown types, undefined flags, the reserved bit. */
import { FrameType } from '../../../h2/frame/constants.js';
import type { H2specConn } from '../conn.js';
import { pingData, type SpecConfig, type SpecGroup } from '../spec.js';
import { caseOf, pingAcked, sendBytes } from '../steps.js';
import { verifyEventType } from '../verify.js';

/** A frame of unknown type 0x16 on stream 0 with 8 bytes of payload (also in http2/5.5). */
export const unknownFrame = sendBytes('\x00\x00\x08\x16\x00\x00\x00\x00\x00', '\x00\x00\x00\x00\x00\x00\x00\x00');

/** The unknown frame, then a PING that must be answered (also http2/5.5/1). */
export function unknownFrameThenPing(conn: H2specConn, c: SpecConfig): void {
  unknownFrame(conn, c);
  conn.writePing(false, pingData());
}

const pingAnswered = (conn: H2specConn): Promise<void> => verifyEventType(conn, FrameType.PING);

export const frameFormat: SpecGroup = {
  key: 'http2',
  section: '4.1',
  name: 'Frame Format',
  cases: [
    caseOf(
      'Sends a frame with unknown type',
      'The endpoint MUST ignore and discard any frame that has a type that is unknown.',
      unknownFrameThenPing,
      pingAcked(),
    ),
    // PING with flags 0x16 (none of them ACK).
    caseOf(
      'Sends a frame with undefined flag',
      'The endpoint MUST ignore any flags that is undefined.',
      sendBytes('\x00\x00\x08\x06\x16\x00\x00\x00\x00', '\x00\x00\x00\x00\x00\x00\x00\x00'),
      pingAnswered,
    ),
    // The same PING with the reserved bit of the stream identifier set.
    caseOf(
      'Sends a frame with reserved field bit',
      'The endpoint MUST ignore the value of reserved field.',
      sendBytes('\x00\x00\x08\x06\x16\x80\x00\x00\x00', '\x00\x00\x00\x00\x00\x00\x00\x00'),
      pingAnswered,
    ),
  ],
};
