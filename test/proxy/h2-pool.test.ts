/**
 * The HTTP/2 upstream pool: it honours the origin's SETTINGS_MAX_CONCURRENT_STREAMS, opens
 * another session when one is full, never more than maxSessions (requests wait in a queue), and
 * closes sessions that stay idle; every session h2race ends gets its GOAWAY and is counted.
 */
import { expect, test } from 'vitest';
import { ErrorCode, FrameFlag, FrameType } from '../../h2/frame/constants.js';
import type { ConnectionEndRecord } from '../../proxy/events.js';
import { startRawServer } from '../h2/client/raw-server.js';
import { encodeHeaderBlock, frame } from '../helpers/raw-h2.js';
import { connectH2, get, startTestProxy } from '../helpers/h2-client.js';
import { startTestOrigin } from '../helpers/origins.js';
import { waitFor } from '../helpers/wait.js';
import { cleanupsAfterEach } from '../helpers/cleanups.js';

const cleanups = cleanupsAfterEach();

test('stream limit per session, session cap per origin, a queue beyond both', async () => {
  const origin = await startTestOrigin('h2c', { settings: { maxConcurrentStreams: 2 } });
  cleanups.push(() => origin.close());
  const proxy = await startTestProxy(origin.url, { upstream: { maxSessions: 2 } });
  cleanups.push(() => proxy.close());
  const session = await connectH2(proxy.url);
  cleanups.push(() => session.destroy());

  const responses = Array.from({ length: 6 }, (_, i) => get(session, `/hold?i=${i}`));
  await waitFor('two full sessions', () => origin.held.length === 4);
  // Give a wrongly eager pool the chance to open a third session or overfill one.
  await new Promise((r) => setTimeout(r, 100));
  expect(origin.held.length).toBe(4);
  expect(origin.connections).toBe(2);
  const perSession = (n: number) => origin.held.filter((h) => h.seen.connection === n).length;
  expect([perSession(1), perSession(2)]).toEqual([2, 2]);

  // Each answer frees a slot that a queued request takes.
  const answered = () => origin.held.length === 6 && origin.held.every((h) => h.res.writableEnded);
  for (let round = 0; round < 100 && !answered(); round++) {
    for (const h of origin.held) if (!h.res.writableEnded) h.res.end('done');
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(answered()).toBe(true);
  const all = await Promise.all(responses);
  expect(all.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
  expect(origin.held.length).toBe(6);
  expect(origin.connections).toBe(2);
});

test('an idle upstream session is closed after idleTimeoutMs; the next request opens a new one', async () => {
  const origin = await startTestOrigin('h2');
  cleanups.push(() => origin.close());
  const proxy = await startTestProxy(origin.url, { upstream: { idleTimeoutMs: 200 } });
  cleanups.push(() => proxy.close());
  const closes: number[] = [];
  proxy.events.on('upstream-session-close', (r) => closes.push(r.id));
  const session = await connectH2(proxy.url);
  cleanups.push(() => session.destroy());
  expect((await get(session, '/small')).status).toBe(200);
  const idleSince = Date.now();
  await waitFor('the idle session to close', () => closes.length === 1, 3000);
  expect(Date.now() - idleSince).toBeGreaterThanOrEqual(150);
  // The origin hears of the close a moment after h2race's event (its socket's end crosses loopback).
  await waitFor('the origin to see its session end', () => origin.sessions.size === 0, 3000);
  expect((await get(session, '/small')).status).toBe(200);
  expect(origin.connections).toBe(2);
});

test('an origin h2race ends for idleness reads its GOAWAY before the connection closes; the end is counted for idle', async () => {
  const origin = await startTestOrigin('h2c');
  cleanups.push(() => origin.close());
  const proxy = await startTestProxy(origin.url, { upstream: { idleTimeoutMs: 100 } });
  cleanups.push(() => proxy.close());
  const ends: ConnectionEndRecord[] = [];
  proxy.events.on('connection-end', (r) => ends.push(r));
  const session = await connectH2(proxy.url);
  cleanups.push(() => session.destroy());
  expect((await get(session, '/small')).status).toBe(200);
  const [upstream] = origin.sessions;
  const goaways: number[] = [];
  upstream!.on('goaway', (code) => goaways.push(code));
  const errors: string[] = [];
  upstream!.on('error', (err) => errors.push(err.message));
  await waitFor('the origin session to close', () => origin.sessions.size === 0, 3000);
  expect(goaways.length).toBeGreaterThanOrEqual(1);
  expect(goaways.every((code) => code === ErrorCode.NO_ERROR)).toBe(true);
  expect(errors).toEqual([]);
  expect(ends).toEqual([expect.objectContaining({ side: 'upstream', reason: 'idle', code: ErrorCode.NO_ERROR })]);
});

test('an origin that breaks the protocol gets GOAWAY(PROTOCOL_ERROR), counted as ended for protocol-error; the client gets 502', async () => {
  // PUSH_PROMISE to a client that sent ENABLE_PUSH 0: a connection error (RFC 9113 §8.4).
  const origin = await startRawServer((id) => frame(FrameType.PUSH_PROMISE, FrameFlag.END_HEADERS, id, Buffer.concat([Buffer.from([0, 0, 0, 2]), encodeHeaderBlock([[':method', 'GET']])])));
  cleanups.push(() => origin.close());
  const proxy = await startTestProxy(`h2c://127.0.0.1:${origin.port}`);
  cleanups.push(() => proxy.close());
  const ends: ConnectionEndRecord[] = [];
  proxy.events.on('connection-end', (r) => ends.push(r));
  const session = await connectH2(proxy.url);
  cleanups.push(() => session.destroy());
  const res = await get(session, '/small');
  expect(res.status).toBe(502);
  await waitFor('the GOAWAY at the origin', () => origin.goawayCode() !== undefined);
  expect(origin.goawayCode()).toBe(ErrorCode.PROTOCOL_ERROR);
  expect(ends).toEqual([expect.objectContaining({ side: 'upstream', reason: 'protocol-error', code: ErrorCode.PROTOCOL_ERROR })]);
});
