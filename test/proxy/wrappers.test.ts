/**
 * The engine path and links plug in through DownstreamWrapper / UpstreamWrapper: the proxy must
 * serve HTTP/2 (TLS and h2c fronts) through the wrapper's serveEngine with the real connection's
 * facts, keep HTTP/1.1 clients off it, and run every upstream protocol over the Duplex the
 * upstream wrapper returns.
 */
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

describe.each(['h2', 'h1-tls', 'h2c', 'h1'] as OriginKind[])('origin %s', (kind) => {
  test('HTTP/2 clients are served through serveEngine with the real connection\'s facts, HTTP/1.1 clients are not; the upstream runs over the wrapper\'s Duplex', async () => {
    const origin = await startTestOrigin(kind);
    cleanups.push(() => origin.close());
    const served: ConnectionInfo[] = [];
    const upTaps: TapDuplex[] = [];
    const downstreamWrapper: DownstreamWrapper = {
      serveEngine(socket, info, handler, options) {
        served.push({ ...info });
        return serveSocket(socket, handler, options)!;
      },
    };
    const upstreamWrapper: UpstreamWrapper = {
      wrap(socket) {
        const tap = new TapDuplex(socket);
        upTaps.push(tap);
        return tap;
      },
    };
    const proxy = await startTestProxy(origin.url, { downstreamWrapper, upstreamWrapper });
    cleanups.push(() => proxy.close());

    const payload = patternBytes(3, 1024 * 1024);
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
    expect(upTaps.length).toBeGreaterThanOrEqual(1);
    expect(upTaps.reduce((n, t) => n + t.bytesWritten, 0)).toBeGreaterThan(2 * payload.length);

    // HTTP/1.1 clients do not go through the HTTP/2 wrapper.
    expect((await h1Request(proxy.url, '/small')).status).toBe(200);
    expect(served.length).toBe(2);
  });
});
