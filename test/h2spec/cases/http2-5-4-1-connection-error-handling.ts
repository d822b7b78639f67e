/** h2spec http2/5_4_1_connection_error_handling.go — RFC 7540 §5.4.1: a connection error closes the connection. */
import { FrameType, errorCodeName, ErrorCode } from '../../../h2/frame/constants.js';
import { describeEvent } from '../events.js';
import { TestError, type SpecGroup } from '../spec.js';
import { caseOf, sendBytes } from '../steps.js';
import { verifyConnectionClose } from '../verify.js';

/** A PING frame on stream 3: a connection error of type PROTOCOL_ERROR. */
const invalidPing = sendBytes('\x00\x00\x08\x06\x00\x00\x00\x00\x03', '\x00\x00\x00\x00\x00\x00\x00\x00');

export const connectionErrorHandling: SpecGroup = {
  key: 'http2',
  section: '5.4.1',
  name: 'Connection Error Handling',
  cases: [
    caseOf('Sends an invalid PING frame for connection close', 'The endpoint MUST close the TCP connection', invalidPing, verifyConnectionClose),
    {
      strict: true,
      desc: 'Sends an invalid PING frame to receive GOAWAY frame',
      requirement: 'An endpoint that encounters a connection error SHOULD first send a GOAWAY frame',
      async run(conn, c) {
        await conn.handshake();
        invalidPing(conn, c);
        // As in h2spec, any GOAWAY passes: the code is only named in the expectation.
        const [ev, found] = await conn.waitEventByType(FrameType.GOAWAY);
        if (!found) throw new TestError([`GOAWAY Frame (Error Code: ${errorCodeName(ErrorCode.PROTOCOL_ERROR)})`], describeEvent(ev));
      },
    },
  ],
};
