/** h2spec generic/1_starting_http2.go — RFC 7540 §3.2: the server's preface is a SETTINGS frame. */
import type { SpecGroup } from '../spec.js';
import { sendPrefaceExpectSettings } from '../steps.js';

export const startingHttp2: SpecGroup = {
  key: 'generic',
  section: '1',
  name: 'Starting HTTP/2',
  cases: [
    {
      desc: 'Sends a client connection preface',
      requirement: 'The endpoint MUST accept client connection preface.',
      run: (conn) => sendPrefaceExpectSettings(conn),
    },
  ],
};
