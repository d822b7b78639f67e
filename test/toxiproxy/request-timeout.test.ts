/**
 * Toxiproxy's API limits: 503 when a handler takes longer than 25 s (http.TimeoutHandler), and a
 * 400 when a body has not arrived 15 s after its request (http.Server ReadTimeout). Both are
 * internal options here, lowered so the test does not wait; a request whose body never finishes
 * arriving, on a raw socket, keeps its handler waiting.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANDLER_TIMEOUT_MS, READ_TIMEOUT_MS } from '../../api/api-http.js';
import { raw, startTestApi, type TestApi } from './harness.js';

/** Long enough that a normal request under load never reaches it. */
const LIMIT_MS = 1000;
let t: TestApi;
/** An API whose read limit comes first. */
let reads: TestApi;
const sockets = new Set<Socket>();

beforeAll(async () => {
  t = await startTestApi({ handlerTimeoutMs: LIMIT_MS });
  reads = await startTestApi({ readTimeoutMs: LIMIT_MS });
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await t.close();
  await reads.close();
});

interface RawHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** ms from the request's first byte to the response's last. */
  ms: number;
  /** The client's own address, as the server sees it. */
  client: string;
  /** The server closed the connection after the response (1 s allowed for it). */
  closed: boolean;
}

/** Send `request` as is and read one Content-Length-framed response (bounded by `deadlineMs`). */
function rawRequest(port: number, request: string, deadlineMs = 5000): Promise<RawHttpResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    sockets.add(socket);
    let received = Buffer.alloc(0);
    let start = 0;
    const timer = setTimeout(() => fail(new Error(`no whole response within ${deadlineMs} ms`)), deadlineMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    socket.on('error', fail);
    socket.on('connect', () => {
      start = performance.now();
      socket.write(request);
    });
    socket.on('data', (d: Buffer) => {
      received = Buffer.concat([received, d]);
      const headEnd = received.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const [statusLine, ...lines] = received.subarray(0, headEnd).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      const length = Number(headers['content-length'] ?? 0);
      if (received.length < headEnd + 4 + length) return;
      clearTimeout(timer);
      socket.removeAllListeners('data');
      const response = {
        status: Number(statusLine!.split(' ')[1]),
        headers,
        body: received.subarray(headEnd + 4, headEnd + 4 + length).toString('utf8'),
        ms: performance.now() - start,
        client: `${socket.localAddress}:${socket.localPort}`,
      };
      const settle = (closed: boolean) => {
        clearTimeout(wait);
        socket.destroy();
        resolve({ ...response, closed });
      };
      const wait = setTimeout(() => settle(false), 1000);
      socket.once('end', () => settle(true));
    });
  });
}

const port = () => Number(new URL(t.url).port);

describe('the API request limit', () => {
  it('defaults to Toxiproxy’s 25 s', () => {
    expect(HANDLER_TIMEOUT_MS).toBe(25_000);
  });

  it('a handler still running at the limit is answered 503 with Go’s timeout page', async () => {
    // Content-Length promises more than is sent: the handler waits for the rest of the body.
    const partial = '{"name":"slow","upstream":"127.0.0.1:1"';
    const res = await rawRequest(
      port(),
      `POST /proxies HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${partial.length + 50}\r\n\r\n${partial}`,
    );
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toBe('<html><head><title>Timeout</title></head><body><h1>Timeout</h1></body></html>');
    expect(res.headers['x-toxiproxy-request-id']).toMatch(/^[0-9a-v]{20}$/);
    expect(res.ms).toBeGreaterThanOrEqual(LIMIT_MS - 20);
    // The proxy the unfinished body described was never made.
    expect((await raw(t.url, 'GET', '/proxies/slow')).status).toBe(404);
  });

  it('a request answered within the limit is not affected', async () => {
    const body = '{"name":"quick","upstream":"127.0.0.1:1","listen":"127.0.0.1:0"}';
    const res = await rawRequest(
      port(),
      `POST /proxies HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    expect(res.status).toBe(201);
    expect(JSON.parse(res.body)).toMatchObject({ name: 'quick', upstream: '127.0.0.1:1', enabled: true });
    expect(res.closed).toBe(false);
    await t.client.get('quick').then((p) => p.remove());
  });
});

describe('the API read limit', () => {
  it('defaults to Toxiproxy’s 15 s', () => {
    expect(READ_TIMEOUT_MS).toBe(15_000);
  });

  it('a body still arriving at the limit is a 400 naming the read, and the connection closes', async () => {
    const partial = '{"name":"stalled","upstream":"127.0.0.1:1"';
    const apiPort = Number(new URL(reads.url).port);
    const res = await rawRequest(
      apiPort,
      `POST /proxies HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${partial.length + 50}\r\n\r\n${partial}`,
    );
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.body).toBe(`{"error":"bad request body: read tcp 127.0.0.1:${apiPort}->${res.client}: i/o timeout","status":400}\n`);
    expect(res.headers['connection']).toBe('close');
    expect(res.closed).toBe(true);
    expect(res.ms).toBeGreaterThanOrEqual(LIMIT_MS - 20);
    expect((await raw(reads.url, 'GET', '/proxies/stalled')).status).toBe(404);
  });
});
