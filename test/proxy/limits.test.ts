/**
 * Limits the proxy enforces on its own clients: the header list size it announced (even before
 * the client ACKed the SETTINGS) and the idle time of a stream that moves no bytes.
 */
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { expect, test } from 'vitest';
import type { StreamEndRecord } from '../../proxy/events.js';
import { collect, connectH2, get, request, startTestProxy } from '../helpers/h2-client.js';
import { startTestOrigin } from '../helpers/origins.js';
import { waitFor } from '../helpers/wait.js';
import { cleanupsAfterEach } from '../helpers/cleanups.js';

const cleanups = cleanupsAfterEach();

test('a header list over maxHeaderListSize gets 431 and never reaches the origin', async () => {
  const origin = await startTestOrigin('h2c');
  cleanups.push(() => origin.close());
  const proxy = await startTestProxy(origin.url, { downstream: { settings: { maxHeaderListSize: 16384 } } });
  cleanups.push(() => proxy.close());
  const session = await connectH2(proxy.url);
  cleanups.push(() => session.destroy());
  const res = await get(session, '/small', { headers: { 'x-big': 'a'.repeat(20_000) } });
  expect(res.status).toBe(431);
  expect(origin.streams).toHaveLength(0);
  expect((await get(session, '/small')).status).toBe(200);
});

test('a stream that moves no bytes for streamIdleTimeoutMs is closed, and its upstream stream cancelled', async () => {
  const origin = await startTestOrigin('h2c');
  cleanups.push(() => origin.close());
  const proxy = await startTestProxy(origin.url, { downstream: { streamIdleTimeoutMs: 300 } });
  cleanups.push(() => proxy.close());
  const ends: StreamEndRecord[] = [];
  proxy.events.on('stream-end', (e) => ends.push(e));
  // A client that never opens its window: the response body can never move.
  const session = await connectH2(proxy.url, { settings: { initialWindowSize: 0 } });
  cleanups.push(() => session.destroy());
  const started = Date.now();
  const stalled = request(session, '/bytes?size=1048576');
  await expect(collect(stalled)).rejects.toThrow(`RST code ${http2.constants.NGHTTP2_CANCEL}`);
  expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  await origin.streams[0]!.closed;
  expect(origin.streams[0]!.rstCode).toBe(http2.constants.NGHTTP2_CANCEL);
  await waitFor('the stream-end record', () => ends.length === 1);
  expect(ends[0]).toMatchObject({ outcome: 'reset', error: 'downstream idle for 300 ms' });
});

test('a client that never finishes its TLS handshake is dropped after tlsHandshakeTimeoutMs', async () => {
  const origin = await startTestOrigin('h2c');
  cleanups.push(() => origin.close());
  const proxy = await startTestProxy(origin.url, { downstream: { tlsHandshakeTimeoutMs: 200 } });
  cleanups.push(() => proxy.close());
  const started = Date.now();
  const silent = net.connect(proxy.address.port, '127.0.0.1');
  cleanups.push(() => silent.destroy());
  silent.on('error', () => {});
  silent.resume();
  await new Promise((r) => silent.once('close', r));
  expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  // The proxy serves on.
  const session = await connectH2(proxy.url);
  cleanups.push(() => session.destroy());
  expect((await get(session, '/small')).status).toBe(200);
});
