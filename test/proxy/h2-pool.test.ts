/**
 * The HTTP/2 upstream pool: it honours the origin's SETTINGS_MAX_CONCURRENT_STREAMS, opens
 * another session when one is full, never more than maxSessions (requests wait in a queue), and
 * closes sessions that stay idle.
 */
import { expect, test } from 'vitest';
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
  expect(origin.sessions.size).toBe(0);
  expect((await get(session, '/small')).status).toBe(200);
  expect(origin.connections).toBe(2);
});
