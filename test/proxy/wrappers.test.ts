/**
 * The frame path and links plug in through DownstreamWrapper / UpstreamWrapper: the proxy must
 * run HTTP/2 (TLS and h2c fronts) and every upstream protocol over the Duplex a wrapper returns,
 * hand sessionCreated the real connection's facts, and keep HTTP/1.1 clients off the HTTP/2 wrapper.
 */
import type * as http2 from 'node:http2';
import { describe, expect, test } from 'vitest';
import type { ConnectionInfo, DownstreamWrapper, UpstreamWrapper } from '../../proxy/connection-wrapper.js';
import { patternBytes, sha256 } from '../helpers/bytes.js';
import { connectH2, get, startTestProxy } from '../helpers/h2-client.js';
import { h1Request } from '../helpers/h1-client.js';
import { startTestOrigin, type OriginKind } from '../helpers/origins.js';
import { TapDuplex } from '../helpers/tap-duplex.js';
import { cleanupsAfterEach } from '../helpers/cleanups.js';
import { serveSocket } from '../../h2/server.js';

const cleanups = cleanupsAfterEach();

/** The node front (downstream.engine node): node:http2's session over the wrapper's Duplex. */
describe.each(['h2', 'h1-tls', 'h2c', 'h1'] as OriginKind[])('node front, origin %s', (kind) => {
  test('both sides run over the wrappers\' Duplexes', async () => {
    const origin = await startTestOrigin(kind);
    cleanups.push(() => origin.close());
    const downTaps: TapDuplex[] = [];
    const upTaps: TapDuplex[] = [];
    const sessions: { session: http2.ServerHttp2Session; info: ConnectionInfo; sameDuplex: boolean }[] = [];
    const downstreamWrapper: DownstreamWrapper = {
      wrap(socket) {
        const tap = new TapDuplex(socket);
        downTaps.push(tap);
        return tap;
      },
      sessionCreated(duplex, session, info) {
        sessions.push({ session, info, sameDuplex: duplex === downTaps.at(-1) });
      },
    };
    const upstreamWrapper: UpstreamWrapper = {
      wrap(socket) {
        const tap = new TapDuplex(socket);
        upTaps.push(tap);
        return tap;
      },
    };
    const proxy = await startTestProxy(origin.url, { downstreamWrapper, upstreamWrapper, downstream: { engine: 'node' } });
    cleanups.push(() => proxy.close());

    const payload = patternBytes(3, 1024 * 1024);
    for (const url of [proxy.url, proxy.h2cUrl!]) {
      const session = await connectH2(url);
      cleanups.push(() => session.destroy());
      const echoed = await get(session, '/echo', { body: payload });
      expect(sha256(echoed.body)).toBe(sha256(payload));
    }
    expect(sessions.map((s) => [s.info.alpn, s.info.tls, s.info.remoteAddress, s.sameDuplex])).toEqual([
      ['h2', true, '127.0.0.1', true],
      ['h2c', false, '127.0.0.1', true],
    ]);
    expect(downTaps.every((t) => t.bytesRead > payload.length && t.bytesWritten > payload.length)).toBe(true);
    expect(upTaps.length).toBeGreaterThanOrEqual(1);
    expect(upTaps.reduce((n, t) => n + t.bytesWritten, 0)).toBeGreaterThan(2 * payload.length);

    // HTTP/1.1 clients do not go through the HTTP/2 wrapper.
    const before = downTaps.length;
    expect((await h1Request(proxy.url, '/small')).status).toBe(200);
    expect(downTaps.length).toBe(before);
  });
});

describe('engine front (downstream.engine h2race)', () => {
  test('HTTP/2 connections (TLS and h2c) are served through the wrapper\'s serveEngine with the real connection\'s facts; HTTP/1.1 clients are not', async () => {
    const origin = await startTestOrigin('h2c');
    cleanups.push(() => origin.close());
    const served: ConnectionInfo[] = [];
    const downstreamWrapper: DownstreamWrapper = {
      wrap() {
        throw new Error('the engine front never runs node:http2 over a wrapped Duplex');
      },
      serveEngine(socket, info, handler, options) {
        served.push({ ...info });
        return serveSocket(socket, handler, options)!;
      },
    };
    const proxy = await startTestProxy(origin.url, { downstreamWrapper, downstream: { engine: 'h2race' } });
    cleanups.push(() => proxy.close());

    const payload = patternBytes(5, 256 * 1024);
    for (const url of [proxy.url, proxy.h2cUrl!]) {
      const session = await connectH2(url);
      cleanups.push(() => session.destroy());
      const echoed = await get(session, '/echo', { body: payload });
      expect(sha256(echoed.body)).toBe(sha256(payload));
    }
    expect(served.map((s) => [s.alpn, s.tls, s.remoteAddress])).toEqual([
      ['h2', true, '127.0.0.1'],
      ['h2c', false, '127.0.0.1'],
    ]);
    expect((await h1Request(proxy.url, '/small')).status).toBe(200);
    expect(served.length).toBe(2);
  });
});
