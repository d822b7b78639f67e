/** h2spec http2/3_5_http2_connection_preface.go — RFC 7540 §3.5. */
import { ErrorCode } from '../../../h2/frame/constants.js';
import type { SpecGroup } from '../spec.js';
import { bytes, sendPrefaceExpectSettings } from '../steps.js';
import { verifyConnectionError } from '../verify.js';

export const http2ConnectionPreface: SpecGroup = {
  key: 'http2',
  section: '3.5',
  name: 'HTTP/2 Connection Preface',
  cases: [
    {
      desc: 'Sends client connection preface',
      requirement: 'The server connection preface MUST be the first frame the server sends in the HTTP/2 connection.',
      run: (conn) => sendPrefaceExpectSettings(conn),
    },
    {
      desc: 'Sends invalid connection preface',
      requirement: 'The endpoint MUST terminate the TCP connection.',
      async run(conn) {
        conn.send(bytes('INVALID CONNECTION PREFACE\r\n\r\n'));
        await verifyConnectionError(conn, ErrorCode.PROTOCOL_ERROR);
      },
    },
  ],
};
