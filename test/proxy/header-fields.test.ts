/**
 * The header rules on flat field lists (an HTTP/2 client to an HTTP/2 origin, no header object
 * made) agree with the same rules on Node's header objects (what the HTTP/1.1 paths use), for
 * any field list an HTTP/2 peer can send: seeded random lists of the fields the rules treat
 * specially, repeated and mixed with ordinary ones. `connection` is left out: an HTTP/2 message
 * with it is malformed and the engine refuses it before the proxy sees it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fieldsOf, fieldValue, headersOf } from '../../proxy/field-list.js';
import { downstreamResponseFields, downstreamResponseHeaders, requestAuthority, upstreamRequestFields, upstreamRequestHeaders, type ClientFacts } from '../../proxy/headers.js';

const NAMES = [
  'host', 'te', 'via', 'forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto',
  'keep-alive', 'proxy-authorization', 'proxy-authenticate', 'trailer', 'upgrade', 'http2-settings',
  'transfer-encoding', 'cookie', 'set-cookie', 'accept', 'user-agent', 'x-custom', 'content-length',
];
const VALUES = ['trailers', 'gzip, trailers', 'gzip', 'a=1', 'example.com', '1.1 other', 'for=198.51.100.1', '', '42'];
const field = fc.tuple(fc.constantFrom(...NAMES), fc.constantFrom(...VALUES));
const fieldList = fc.array(field, { maxLength: 12 }).map((pairs) => pairs.flat());
const clients: ClientFacts[] = [
  { remoteAddress: '192.0.2.7', tls: true, httpVersion: '2' },
  { remoteAddress: '2001:db8::1', tls: false, httpVersion: '2' },
  { tls: true, httpVersion: '2' },
];
const PARAMS = { seed: 1207, numRuns: 2000 };

describe('header rules on flat fields', () => {
  it('an HTTP/2 request to an HTTP/2 origin gets the fields the header-object rules give', () => {
    fc.assert(fc.property(fieldList, fc.constantFrom('', 'a.test', 'b.test:8443'), fc.constantFrom(...clients), (fields, authority, client) => {
      // As the forwarder did before: the head as a header object (pseudo-headers in), its authority, the rules, flattened.
      const raw = [':method', 'GET', ':scheme', 'https', ...(authority === '' ? [] : [':authority', authority]), ':path', '/', ...fields];
      const incoming = headersOf(raw);
      const clientAuthority = requestAuthority(incoming);
      expect(authority || fieldValue(fields, 'host')).toBe(clientAuthority);
      const target = clientAuthority ?? 'origin.test';
      const viaObject = fieldsOf(upstreamRequestHeaders(incoming, client, target, { ':authority': target }));
      const flat = upstreamRequestFields(fields, client, clientAuthority);
      expect(headersOf(flat)).toEqual(headersOf(viaObject));
    }), PARAMS);
  });

  it("an HTTP/2 origin's response head gets the fields the header-object rules give", () => {
    fc.assert(fc.property(fieldList, (fields) => {
      expect(headersOf(downstreamResponseFields(fields))).toEqual(headersOf(fieldsOf(downstreamResponseHeaders(headersOf(fields), '2'))));
    }), PARAMS);
  });

  it('keeps repeated fields as they came (HTTP/2 allows it), and this hop appends to the lists once', () => {
    const fields = ['cookie', 'a=1', 'cookie', 'b=2', 'via', '1.1 cdn', 'via', '2 edge', 'te', 'trailers'];
    expect(upstreamRequestFields(fields, clients[0]!, 'a.test')).toEqual([
      'cookie', 'a=1', 'cookie', 'b=2', 'te', 'trailers',
      'forwarded', 'for=192.0.2.7;host=a.test;proto=https',
      'x-forwarded-for', '192.0.2.7',
      'x-forwarded-proto', 'https',
      'x-forwarded-host', 'a.test',
      'via', '1.1 cdn, 2 edge, 2 h2race',
    ]);
  });
});
