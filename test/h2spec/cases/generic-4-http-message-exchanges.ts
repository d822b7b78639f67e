/** h2spec generic/4_http_message_exchanges.go — RFC 7540 §8.1: GET, HEAD, POST, POST with trailers. */
import { requestWithMethod, type SpecGroup } from '../spec.js';
import { answered, caseOf, postWith, writeRequest } from '../steps.js';

export const httpMessageExchanges: SpecGroup = {
  key: 'generic',
  section: '4',
  name: 'HTTP Message Exchanges',
  cases: [
    caseOf('Sends a GET request', 'The endpoint MUST respond to the request.', (conn, c) => writeRequest(conn, c), answered),
    caseOf(
      'Sends a HEAD request',
      'The endpoint MUST respond to the request.',
      (conn, c) => writeRequest(conn, c, { headers: requestWithMethod(c, 'HEAD') }),
      answered,
    ),
    caseOf('Sends a POST request', 'The endpoint MUST respond to the request.', postWith((conn) => conn.writeData(1, true, 'test')), answered),
    caseOf(
      'Sends a POST request with trailers',
      'The endpoint MUST respond to the request.',
      postWith(
        (conn) => {
          conn.writeData(1, false, 'test');
          conn.writeHeaders({ streamId: 1, endStream: true, endHeaders: true, block: conn.encodeHeaders([['x-test', 'ok']]) });
        },
        [['trailer', 'x-test']],
      ),
      answered,
    ),
  ],
};
