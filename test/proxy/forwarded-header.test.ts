/**
 * The forwarded element of each hop (RFC 7239) is built per client and authority; the last one is
 * reused, so alternating clients must each get their own.
 */
import { describe, expect, it } from 'vitest';
import { upstreamRequestHeaders, type ClientFacts } from '../../proxy/headers.js';

const v4: ClientFacts = { remoteAddress: '192.0.2.7', tls: true, httpVersion: '2' };
const v6: ClientFacts = { remoteAddress: '2001:db8::1', tls: false, httpVersion: '1.1' };
const unknown: ClientFacts = { tls: true, httpVersion: '2' };

describe('forwarded', () => {
  it('is built for each client and authority, also when they alternate', () => {
    const cases: Array<[ClientFacts, string | undefined, string]> = [
      [v4, 'example.com', 'for=192.0.2.7;host=example.com;proto=https'],
      [v4, 'example.com', 'for=192.0.2.7;host=example.com;proto=https'],
      [v6, 'example.com:8443', 'for="[2001:db8::1]";host="example.com:8443";proto=http'],
      [v4, 'example.com', 'for=192.0.2.7;host=example.com;proto=https'],
      [v4, undefined, 'for=192.0.2.7;proto=https'],
      [unknown, 'a.test', 'for=unknown;host=a.test;proto=https'],
      [{ ...v4, tls: false }, 'example.com', 'for=192.0.2.7;host=example.com;proto=http'],
    ];
    for (const [client, authority, element] of cases) {
      const incoming = authority === undefined ? {} : { host: authority };
      expect(upstreamRequestHeaders(incoming, client, authority).forwarded).toBe(element);
    }
  });

  it('appends this hop to the elements the client sent', () => {
    const out = upstreamRequestHeaders({ host: 'example.com', forwarded: 'for=198.51.100.1' }, v4, 'example.com');
    expect(out.forwarded).toBe('for=198.51.100.1, for=192.0.2.7;host=example.com;proto=https');
  });
});
