/**
 * The downstream HTTP/2 side runs on node:http2's core API (ProxiedStream answers with
 * stream.respond() and its own 'wantTrailers'); an HTTP/1.1 origin gets a compat pair made on
 * demand. What Node's compat layer used to do for free must still hold on real sockets: interim
 * responses, trailers (and none), bodiless statuses, errors and refusals, the HTTP/1.1-origin path
 * (also after an https origin's fallback), one date header.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { describe, expect, test } from 'vitest';
import { CLIENT_PREFACE, FRAME_HEADER_LENGTH, FrameFlag, FrameType } from '../../h2/frame/constants.js';
import { readFrameHeader } from '../../h2/frame/codec.js';
import type { StreamEndRecord } from '../../proxy/events.js';
import { patternBytes, sha256 } from '../helpers/bytes.js';
import { collect, connectH2, get, request, startTestProxy } from '../helpers/h2-client.js';
import { dataFrame, encodeHeaderBlock, frame, headersFrame, settingsFrame, type HeaderList } from '../helpers/raw-h2.js';
import { startTestOrigin, type OriginKind } from '../helpers/origins.js';
import { testCert } from '../helpers/tls-cert.js';
import { waitFor } from '../helpers/wait.js';
import { cleanupsAfterEach } from '../helpers/cleanups.js';

const cleanups = cleanupsAfterEach();

async function setUp(kind: OriginKind, extra: Parameters<typeof startTestProxy>[1] = {}) {
  const origin = await startTestOrigin(kind);
  cleanups.push(() => origin.close());
  return { origin, ...await proxyTo(origin.url, extra) };
}

async function proxyTo(url: string, extra: Parameters<typeof startTestProxy>[1] = {}) {
  const proxy = await startTestProxy(url, extra);
  cleanups.push(() => proxy.close());
  const ends: StreamEndRecord[] = [];
  proxy.events.on('stream-end', (r) => ends.push(r));
  const session = await connectH2(proxy.url);
  cleanups.push(() => session.destroy());
  return { proxy, ends, session };
}

describe.each(['h2', 'h1', 'h1-tls'] as const)('origin %s', (kind) => {
  test('expect: 100-continue — the origin\'s 100 reaches the client, which only then sends its body', async () => {
    const { ends, session } = await setUp(kind);
    const payload = patternBytes(3, 200_000);
    const stream = session.request({ ':method': 'POST', ':path': '/echo', expect: '100-continue' }, { endStream: false });
    const gotContinue = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no 100 Continue within 5 s')), 5000);
      stream.once('continue', () => (clearTimeout(timer), resolve()));
    });
    const res = collect(stream);
    await gotContinue;
    stream.end(payload);
    const r = await res;
    expect(r.status).toBe(200);
    expect(sha256(r.body)).toBe(sha256(payload));
    await waitFor('the stream-end record', () => ends.length === 1);
    expect(ends[0]).toMatchObject({ outcome: 'completed', status: 200, bytesIn: payload.length, bytesOut: payload.length });
  });

  test.each([['HEAD', '/bytes?size=5000', 200], ['GET', '/status?code=204', 204], ['GET', '/status?code=304', 304]] as const)(
    '%s %s: no body, the stream closes, outcome completed',
    async (method, path, status) => {
      const { ends, session } = await setUp(kind);
      const res = await get(session, path, { method });
      expect(res.status).toBe(status);
      expect(res.body.length).toBe(0);
      await waitFor('the stream-end record', () => ends.length === 1);
      expect(ends[0]).toMatchObject({ outcome: 'completed', status, bytesOut: 0 });
    },
  );

  test('a response without trailers ends cleanly with none; exactly one date header', async () => {
    const { proxy, ends, session } = await setUp(kind);
    const res = await get(session, '/small');
    expect(res.body.toString()).toBe('hello from origin\n');
    expect(res.trailers).toBeUndefined();
    expect(res.headers[':status']).toBe(200);
    await waitFor('the stream-end record', () => ends.length === 1);
    expect(ends[0]).toMatchObject({ outcome: 'completed' });
    // node:http2 keeps one of duplicated single-value fields: count them in curl's raw view.
    const { certPath } = await testCert();
    const curl = spawn('curl', ['-sS', '--http2', '--cacert', certPath, '-D', '-', '-o', '/dev/null', `${proxy.url}/small`]);
    const out: Buffer[] = [];
    curl.stdout.on('data', (c: Buffer) => out.push(c));
    const [code] = await once(curl, 'close');
    expect(code).toBe(0);
    const head = Buffer.concat(out).toString();
    expect(head).toMatch(/^HTTP\/2 200/);
    expect(head.match(/^date:/gim)).toHaveLength(1);
    expect(head).not.toMatch(/^:status/im);
  });
});

test('CONNECT over HTTP/2 gets 501 from the proxy; the origin sees nothing', async () => {
  const { origin, ends, session } = await setUp('h2');
  const stream = session.request({ ':method': 'CONNECT', ':authority': 'example.com:443' }, { endStream: false });
  const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    let status = 0;
    let body = '';
    stream.once('response', (h) => (status = Number(h[':status'])));
    stream.on('data', (c: Buffer) => (body += c.toString()));
    stream.once('end', () => resolve({ status, body }));
    stream.once('error', reject);
  });
  stream.close();
  expect(res.status).toBe(501);
  expect(res.body).toBe('h2race: CONNECT is not supported\n');
  expect(origin.streams).toHaveLength(0);
  await waitFor('the stream-end record', () => ends.length === 1);
  expect(ends[0]).toMatchObject({ method: 'CONNECT', status: 501 });
});

/** A TCP relay to `port` that connects upstream only once `release()` was called. */
async function heldRelay(port: number): Promise<{ port: number; release: () => void }> {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('error', () => {});
    client.pause();
    void released.then(() => {
      const up = net.connect(port, '127.0.0.1');
      sockets.add(up);
      up.on('error', () => client.destroy());
      client.on('close', () => up.destroy());
      up.on('close', () => client.destroy());
      client.pipe(up).pipe(client);
      client.resume();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise((r) => server.close(r));
  });
  return { port: (server.address() as net.AddressInfo).port, release };
}

test('https origin without h2 (fallback to HTTP/1.1): request trailers that arrived before the fallback still go upstream', async () => {
  const origin = await startTestOrigin('h1-tls');
  cleanups.push(() => origin.close());
  const relay = await heldRelay(origin.port);
  const { session } = await proxyTo(`https://127.0.0.1:${relay.port}`);
  const body = Buffer.from('early trailers');
  const stream = request(session, '/echo', { body, trailers: { 'x-sum': 'abc' } });
  const res = collect(stream);
  // The whole request (trailers included) is sent while the proxy still waits for ALPN.
  await once(stream, 'wantTrailers');
  await new Promise((r) => setTimeout(r, 200));
  relay.release();
  const r = await res;
  expect(r.body.toString()).toBe('early trailers');
  expect(r.trailers?.['x-echo-sha256']).toBe(sha256(body));
  expect(r.trailers?.['x-echo-x-sum']).toBe('abc');
});

/** A gRPC-like origin on node:http2's core API (h2c): echoes the message, status in trailers. */
async function grpcOrigin(): Promise<{ url: string; seen: http2.IncomingHttpHeaders[] }> {
  const seen: http2.IncomingHttpHeaders[] = [];
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    seen.push(headers);
    if (headers[':path'] === '/pkg.Svc/Missing') {
      // Trailers-Only: one HEADERS frame with END_STREAM carries the status.
      return stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12', 'grpc-message': 'unimplemented' }, { endStream: true });
    }
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.once('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': 'ok' }));
      stream.end(Buffer.concat(chunks));
    });
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => (sessions.add(s), s.once('close', () => sessions.delete(s))));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => {
    for (const s of sessions) s.destroy();
    return new Promise((r) => server.close(r));
  });
  return { url: `h2c://127.0.0.1:${(server.address() as net.AddressInfo).port}`, seen };
}

/** A gRPC message frame: compressed flag 0, 4-byte length, payload. */
function grpcFrame(payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

describe('a gRPC-like exchange', () => {
  const grpcHeaders = { te: 'trailers', 'content-type': 'application/grpc' };

  test('te: trailers and application/grpc reach the origin; the message and grpc-status trailer come back', async () => {
    const origin = await grpcOrigin();
    const { ends, session } = await proxyTo(origin.url);
    const message = grpcFrame(Buffer.from('ping'));
    const res = await get(session, '/pkg.Svc/Echo', { body: message, headers: grpcHeaders });
    expect(origin.seen[0]).toMatchObject({ te: 'trailers', 'content-type': 'application/grpc', ':method': 'POST' });
    expect(res.headers['content-type']).toBe('application/grpc');
    expect(res.body.equals(message)).toBe(true);
    expect(res.trailers).toMatchObject({ 'grpc-status': '0', 'grpc-message': 'ok' });
    await waitFor('the stream-end record', () => ends.length === 1);
    expect(ends[0]).toMatchObject({ outcome: 'completed', bytesIn: message.length, bytesOut: message.length });
  });

  test('a Trailers-Only response stays one HEADERS frame with END_STREAM (gRPC clients read the status only there)', async () => {
    const origin = await grpcOrigin();
    const { ends, session } = await proxyTo(origin.url);
    const stream = request(session, '/pkg.Svc/Missing', { body: grpcFrame(Buffer.from('x')), headers: grpcHeaders });
    let headersFlags = 0;
    stream.once('response', (_h, flags) => (headersFlags = flags));
    const res = await collect(stream);
    expect(res.headers).toMatchObject({ 'grpc-status': '12', 'grpc-message': 'unimplemented' });
    expect(res.body.length).toBe(0);
    expect(headersFlags & http2.constants.NGHTTP2_FLAG_END_STREAM).toBe(http2.constants.NGHTTP2_FLAG_END_STREAM);
    await waitFor('the stream-end record', () => ends.length === 1);
    expect(ends[0]).toMatchObject({ outcome: 'completed', status: 200 });
  });
});

/**
 * A cleartext HTTP/2 origin written frame by frame: to each request it answers 200, `hello`, and
 * the trailers it is given, as they are (node:http2 would refuse to send invalid ones).
 */
async function rawTrailersOrigin(trailers: HeaderList): Promise<string> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.write(settingsFrame([]));
    let inbound = Buffer.alloc(0);
    let prefaceSeen = false;
    socket.on('data', (chunk: Buffer) => {
      inbound = Buffer.concat([inbound, chunk]);
      if (!prefaceSeen) {
        if (inbound.length < CLIENT_PREFACE.length) return;
        inbound = inbound.subarray(CLIENT_PREFACE.length);
        prefaceSeen = true;
      }
      while (inbound.length >= FRAME_HEADER_LENGTH) {
        const h = readFrameHeader(inbound);
        if (inbound.length < FRAME_HEADER_LENGTH + h.length) return;
        inbound = inbound.subarray(FRAME_HEADER_LENGTH + h.length);
        if (h.type === FrameType.SETTINGS && !(h.flags & FrameFlag.ACK)) socket.write(frame(FrameType.SETTINGS, FrameFlag.ACK, 0));
        if (h.type === FrameType.HEADERS) {
          socket.write(Buffer.concat([
            headersFrame(h.streamId, encodeHeaderBlock([[':status', '200'], ['content-type', 'text/plain']]), { endStream: false }),
            dataFrame(h.streamId, Buffer.from('hello')),
            headersFrame(h.streamId, encodeHeaderBlock(trailers), { endStream: true }),
          ]));
        }
      }
    });
    socket.once('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise((r) => server.close(r));
  });
  return `h2c://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

test('an HTTP/2 origin\'s trailer fields HTTP/2 does not allow are dropped; the valid one and the body arrive, the stream ends cleanly', async () => {
  // A control character in a value and a space in a name (nghttp2 drops those fields), te (hop-by-hop).
  const url = await rawTrailersOrigin([['x-ok', '1'], ['x-ctl', 'a\u0001b'], ['x-sp ace', '1'], ['te', 'trailers']]);
  const { ends, session } = await proxyTo(url);
  const res = await get(session, '/t');
  expect(res.body.toString()).toBe('hello');
  expect(Object.entries(res.trailers ?? {})).toEqual([['x-ok', '1']]);
  await waitFor('the stream-end record', () => ends.length === 1);
  expect(ends[0]).toMatchObject({ outcome: 'completed', bytesOut: 5 });
});

describe('failures on the core path', () => {
  test('HEAD to an unreachable origin: 502 with x-h2race-error, no body, the stream closes', async () => {
    const probe = await startTestOrigin('h2c');
    await probe.close();
    const { ends, session } = await proxyTo(`h2c://127.0.0.1:${probe.port}`);
    const res = await get(session, '/small', { method: 'HEAD' });
    expect(res.status).toBe(502);
    expect(res.headers['x-h2race-error']).toBe('connect-refused');
    expect(res.headers.date).toBeDefined(); // node:http2's respond() adds it, as the compat layer did
    expect(res.body.length).toBe(0);
    await waitFor('the stream-end record', () => ends.length === 1);
    expect(ends[0]).toMatchObject({ outcome: 'upstream-error', status: 502 });
  });

  test('HTTP/1.1 origin (compat pair) that does not answer in time: 504 with x-h2race-error', async () => {
    const { ends, session } = await setUp('h1', { upstream: { responseTimeoutMs: 300 } });
    const res = await get(session, '/hold');
    expect(res.status).toBe(504);
    expect(res.headers['x-h2race-error']).toBe('response-timeout');
    await waitFor('the stream-end record', () => ends.length === 1);
    expect(ends[0]).toMatchObject({ outcome: 'upstream-error', status: 504 });
  });

  test('https origin without h2 (fallback): a cancel mid-download destroys the upstream connection; outcome cancelled-by-client', async () => {
    const { origin, ends, session } = await setUp('h1-tls');
    const size = 8 * 1024 * 1024;
    const victim = request(session, `/bytes?size=${size}&chunk=65536&delay=4`);
    victim.on('error', () => {});
    await new Promise<void>((resolve) => {
      let n = 0;
      victim.on('data', (c: Buffer) => ((n += c.length) >= 256 * 1024 ? resolve() : undefined));
    });
    victim.close(http2.constants.NGHTTP2_CANCEL);
    await origin.streams[0]!.closed;
    await waitFor('the upstream connection to close', () => origin.closedConnections.has(origin.streams[0]!.connection));
    expect(origin.streams[0]!.written).toBeLessThan(size);
    await waitFor('the stream-end record', () => ends.length === 1);
    expect(ends[0]).toMatchObject({ outcome: 'cancelled-by-client', rstCode: http2.constants.NGHTTP2_CANCEL });
    // The proxy serves on, over a new connection.
    expect((await get(session, '/small')).status).toBe(200);
    expect(origin.streams[1]!.connection).not.toBe(origin.streams[0]!.connection);
  });
});

/** An origin that answers 413 at once and never reads the request body (h2c: node:http2 then ends the stream with RST_STREAM(NO_ERROR)). */
async function earlyAnswerOrigin(kind: 'h2c' | 'h1'): Promise<string> {
  const server = kind === 'h2c'
    ? http2.createServer((_req, res) => res.writeHead(413, { 'content-length': 9 }).end('too large'))
    : http.createServer((_req, res) => res.writeHead(413, { 'content-length': 9 }).end('too large'));
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => (sockets.add(s), s.once('close', () => sockets.delete(s))));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise((r) => server.close(r));
  });
  return `${kind === 'h2c' ? 'h2c' : 'http'}://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

test.each(['h2c', 'h1'] as const)('an origin (%s) that answers in full before reading the upload: the client gets the answer and its stream closes', async (kind) => {
  const { ends, session } = await proxyTo(await earlyAnswerOrigin(kind));
  // Far beyond the windows: the upload can only finish if someone keeps reading it.
  const res = await get(session, '/upload', { body: patternBytes(0, 8 * 1024 * 1024) });
  expect(res.status).toBe(413);
  expect(res.body.toString()).toBe('too large');
  await waitFor('the stream-end record', () => ends.length === 1);
  expect(ends[0]).toMatchObject({ outcome: 'completed', status: 413, bytesOut: 9 });
  // The proxy serves on (HTTP/1.1: over a new connection, the old one held half a body).
  const again = await get(session, '/upload', { body: Buffer.from('small') });
  expect(again.status).toBe(413);
});
