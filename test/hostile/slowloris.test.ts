/**
 * Slowloris on the HTTP/1.1 side of the TLS front: a client that keeps dripping header bytes
 * (so the idle timeout never fires) is cut once its request headers are not complete within
 * requestHeadersTimeoutMs, counted from the connection or the previous response; a normal
 * HTTP/1.1 client on another connection is served all along.
 */
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../../proxy/start.js';
import { startTestProxy } from '../helpers/h2-client.js';
import { h1Request } from '../helpers/h1-client.js';
import { startTestOrigin, type TestOrigin } from '../helpers/origins.js';

const HEADERS_TIMEOUT_MS = 500;
let origin: TestOrigin;
let proxy: RunningProxy;

beforeAll(async () => {
  origin = await startTestOrigin('h2');
  proxy = await startTestProxy(origin.url, {
    downstream: { requestHeadersTimeoutMs: HEADERS_TIMEOUT_MS, streamIdleTimeoutMs: 60_000 },
  });
});
afterAll(async () => {
  await proxy.close();
  await origin.close();
});

/** Opens an HTTP/1.1 TLS connection, sends `first`, then one header line every 100 ms until closed. */
async function drip(first: string): Promise<{ drips: number; ms: number; response: string }> {
  const socket = tls.connect({ host: '127.0.0.1', port: proxy.address.port, ALPNProtocols: ['http/1.1'], rejectUnauthorized: false });
  await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  const started = performance.now();
  let response = '';
  socket.on('data', (d: Buffer) => (response += d.toString('latin1')));
  socket.on('error', () => {});
  socket.write(first);
  let drips = 0;
  const timer = setInterval(() => {
    if (socket.writable) {
      socket.write(`x-drip-${drips}: ${'a'.repeat(10)}\r\n`);
      drips++;
    }
  }, 100);
  // Bounded: a proxy without the timeout would be cut here by the test, and the assertions fail.
  const bound = setTimeout(() => socket.destroy(), 10_000);
  await new Promise((r) => socket.once('close', r));
  clearInterval(timer);
  clearTimeout(bound);
  return { drips, ms: performance.now() - started, response };
}

describe('HTTP/1.1 request headers timeout', () => {
  it('cuts a client that drips its first request headers; others are served', { timeout: 20_000 }, async () => {
    const bystander = h1Request(proxy.url, '/small');
    const { drips, ms } = await drip('GET /small HTTP/1.1\r\nhost: 127.0.0.1\r\n');
    expect(ms).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
    expect(ms).toBeLessThan(9_000);
    // Bytes kept arriving, so it was the headers deadline that cut, not the idle timeout.
    expect(drips).toBeGreaterThanOrEqual(2);
    expect((await bystander).status).toBe(200);
  });

  it('counts again from the previous response: a keep-alive connection that then drips is cut', { timeout: 20_000 }, async () => {
    const { response, ms } = await drip('GET /small HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\nGET /small HTTP/1.1\r\nhost: 127.0.0.1\r\n');
    expect(response).toMatch(/^HTTP\/1\.1 200/);
    expect(ms).toBeLessThan(9_000);
  });
});
