/** h2spec http2/8_2_server_push.go — RFC 7540 §8.2: a client cannot push. */
import { ErrorCode } from '../../../h2/frame/constants.js';
import { commonHeaders, type SpecGroup } from '../spec.js';
import { caseOf, connectionError } from '../steps.js';

export const serverPush: SpecGroup = {
  key: 'http2',
  section: '8.2',
  name: 'Server Push',
  cases: [
    caseOf(
      'Sends a PUSH_PROMISE frame',
      'The endpoint MUST treat this as a connection error of type PROTOCOL_ERROR.',
      (conn, c) => conn.writePushPromise(1, 3, conn.encodeHeaders(commonHeaders(c))),
      connectionError(ErrorCode.PROTOCOL_ERROR),
    ),
  ],
};
