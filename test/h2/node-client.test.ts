/**
 * The engine as a server for node:http2 clients, over TLS (ALPN h2) and h2c: bodies both ways,
 * trailers both ways, 1xx, concurrency, cancellation, and flow control with windows small enough
 * to bind, changed mid-stream.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import * as http2 from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../h2/frame/constants.js';
import type { ConnectionOptions } from '../../h2/proto/connection-options.js';
import { collect, connectH2, get, request } from '../helpers/h2-client.js';
import { waitFor } from '../helpers/wait.js';
import { startEngineServer, type EngineServer } from './engine-server.js';
import { createTestApp, patternBytes, type TestApp } from './test-app.js';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** A deterministic body: a seeded xorshift stream, not a pattern a bug could reproduce by chance. */
function randomBody(n: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

let server: EngineServer | undefined;
let app: TestApp;
const sessions: http2.ClientHttp2Session[] = [];

async function start(tls: boolean, options?: ConnectionOptions): Promise<EngineServer> {
  app = createTestApp();
  server = await startEngineServer(app, { tls, options });
  return server;
}

async function connect(options: http2.SecureClientSessionOptions = {}): Promise<http2.ClientHttp2Session> {
  const session = await connectH2(server!.url, options);
  sessions.push(session);
  return session;
}

afterEach(async () => {
  for (const s of sessions.splice(0)) s.destroy();
  await server?.close();
  server = undefined;
});

for (const tls of [true, false]) {
  describe(tls ? 'TLS (ALPN h2)' : 'h2c (prior knowledge)', () => {
    it('serves a GET', async () => {
      await start(tls);
      const session = await connect();
      const response = await get(session, '/');
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('text/plain');
      expect(response.body.toString()).toBe('ok');
    });

    it('echoes POST bodies of several MiB intact, with trailers both ways', async () => {
      await start(tls);
      const session = await connect();
      const bodies = [randomBody(3 << 20, 1), randomBody(5 << 20, 2)];
      const responses = await Promise.all(bodies.map((body, i) => collect(request(session, '/echo', { body, trailers: { 'x-part': String(i) } }))));
      responses.forEach((response, i) => {
        expect(response.status).toBe(200);
        expect(sha256(response.body)).toBe(sha256(bodies[i]!));
        expect(response.trailers?.['x-sha256']).toBe(sha256(bodies[i]!));
        expect(response.trailers?.['x-bytes']).toBe(String(bodies[i]!.length));
        expect(response.trailers?.['x-got-x-part']).toBe(String(i));
      });
    });

    it('serves many concurrent streams on one connection, beyond MAX_CONCURRENT_STREAMS', async () => {
      await start(tls, { settings: { maxConcurrentStreams: 16 } });
      const session = await connect();
      // Streams opened before the client knows the limit are refused (REFUSED_STREAM): wait for it.
      await waitFor("the server's SETTINGS", () => session.remoteSettings.maxConcurrentStreams === 16);
      const sizes = Array.from({ length: 200 }, (_, i) => (i * 7919) % 40_000);
      const responses = await Promise.all(sizes.map((n) => get(session, `/bytes/${n}`)));
      responses.forEach((response, i) => expect(response.body.equals(patternBytes(sizes[i]!))).toBe(true));
      expect(server!.connections).toHaveLength(1);
      expect(server!.connections[0]!.stats().streamsOpened).toBe(200);
    });

    it('hears a client cancel (RST_STREAM CANCEL) and keeps serving the connection', async () => {
      await start(tls);
      const session = await connect();
      const held = request(session, '/hold');
      await once(held, 'response');
      held.close(http2.constants.NGHTTP2_CANCEL);
      await waitFor('the server to see the reset', () => app.streams.some((s) => s.path === '/hold' && s.reset !== undefined));
      expect(app.streams.find((s) => s.path === '/hold')!.reset).toEqual({ code: ErrorCode.CANCEL, cause: 'peer' });
      expect((await get(session, '/bytes/1000')).body.equals(patternBytes(1000))).toBe(true);
    });

    it('binds on small client windows and resumes on WINDOW_UPDATE', async () => {
      await start(tls);
      // 16 KiB stream windows and the connection's default 64 KiB: a 2 MiB download needs many updates.
      const session = await connect({ settings: { initialWindowSize: 16_384 } });
      const response = await get(session, `/bytes/${2 << 20}`);
      expect(response.body.equals(patternBytes(2 << 20))).toBe(true);
    });

    it('paces an upload by consumed(): small server windows, credit only as the echo drains', async () => {
      await start(tls, { settings: { initialWindowSize: 16_384 }, connectionWindowSize: 32_768, streamHighWaterMark: 8192 });
      const session = await connect();
      const body = randomBody(1 << 20, 3);
      const response = await collect(request(session, '/echo', { body }));
      expect(sha256(response.body)).toBe(sha256(body));
    });

    it('applies SETTINGS_INITIAL_WINDOW_SIZE changed mid-stream (down to 0, then up)', async () => {
      await start(tls);
      const session = await connect({ settings: { initialWindowSize: 65_535 } });
      const stream = request(session, `/bytes/${1 << 20}`);
      const collected = collect(stream);
      await once(stream, 'response');
      session.settings({ initialWindowSize: 0 });
      await new Promise((resolve) => session.once('localSettings', resolve));
      session.settings({ initialWindowSize: 100_000 });
      const response = await collected;
      expect(response.body.equals(patternBytes(1 << 20))).toBe(true);
    });

    it('answers expect: 100-continue with a 100 before the body is sent', async () => {
      await start(tls);
      const session = await connect();
      const stream = session.request({ ':method': 'POST', ':path': '/continue', expect: '100-continue' });
      const collected = collect(stream);
      await once(stream, 'continue');
      stream.end(Buffer.from('after continue'));
      const response = await collected;
      expect(response.body.toString()).toBe('after continue');
    });

    it('answers 431 to a header list over SETTINGS_MAX_HEADER_LIST_SIZE, and the connection goes on', async () => {
      await start(tls, { settings: { maxHeaderListSize: 4096 } });
      const session = await connect();
      const stream = session.request({ ':path': '/', 'x-big': 'a'.repeat(8000) });
      const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
      expect(headers[':status']).toBe(431);
      expect(app.streams).toHaveLength(0);
      expect((await get(session, '/')).body.toString()).toBe('ok');
    });

    it('closes gracefully: in-flight streams finish, new ones are refused by GOAWAY', async () => {
      await start(tls);
      const session = await connect();
      const goaways: number[] = [];
      session.on('goaway', (code, last) => goaways.push(code, last));
      const held = session.request({ ':method': 'POST', ':path': '/echo' });
      held.write(Buffer.from('before close'));
      await waitFor('the request to reach the server', () => app.streams.length === 1);
      server!.connections[0]!.close();
      await waitFor('the final GOAWAY', () => server!.connections[0]!.phase >= 2);
      held.end(Buffer.from(', after'));
      const response = await collect(held);
      expect(response.body.toString()).toBe('before close, after');
      await once(session, 'close');
      expect(goaways).toEqual([0, 2 ** 31 - 1, 0, 1]);
    });
  });
}
