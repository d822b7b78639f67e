/**
 * close(): clients get GOAWAY, new connections are refused, in-flight streams finish byte-exact
 * within shutdownTimeoutMs; whatever is still running at the deadline is cut.
 */
import * as net from 'node:net';
import { expect, test } from 'vitest';
import type { GoawayRecord } from '../../proxy/events.js';
import { patternBytes, sha256 } from '../helpers/bytes.js';
import { collect, connectH2, request, startTestProxy } from '../helpers/h2-client.js';
import { h1Request } from '../helpers/h1-client.js';
import { startTestOrigin } from '../helpers/origins.js';
import { waitFor } from '../helpers/wait.js';
import { cleanupsAfterEach } from '../helpers/cleanups.js';

const cleanups = cleanupsAfterEach();

async function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(true));
  });
}

test('in-flight streams finish, clients get GOAWAY, new connections are refused', async () => {
  const origin = await startTestOrigin('h2c');
  cleanups.push(() => origin.close());
  const proxy = await startTestProxy(origin.url, { shutdownTimeoutMs: 10_000 });
  cleanups.push(() => proxy.destroy());
  const sent: GoawayRecord[] = [];
  proxy.events.on('goaway', (g) => sent.push(g));
  const session = await connectH2(proxy.url);
  cleanups.push(() => session.destroy());
  let goaway = false;
  session.once('goaway', () => (goaway = true));
  const size = 2 * 1024 * 1024;
  const slow = `/bytes?size=${size}&chunk=65536&delay=10`;
  const viaH2 = collect(request(session, slow));
  const viaH1 = h1Request(proxy.url, slow);
  await waitFor('both requests at the origin', () => origin.streams.length === 2);

  const closing = proxy.close();
  await new Promise((r) => setTimeout(r, 50));
  expect(await refused(proxy.address.port)).toBe(true);
  const [h2res, h1res] = await Promise.all([viaH2, viaH1]);
  expect(sha256(h2res.body)).toBe(sha256(patternBytes(0, size)));
  expect(sha256(h1res.body)).toBe(sha256(patternBytes(0, size)));
  expect(goaway).toBe(true);
  // The proxy's own GOAWAY to the client (the client's answering GOAWAY shows up as received: true).
  expect(sent.filter((g) => g.side === 'downstream' && !g.received)).toEqual([
    expect.objectContaining({ side: 'downstream', code: 0, lastStreamId: 1, received: false }),
  ]);
  await closing;
  // Its upstream session ended the same way: one final GOAWAY reported, its announcement not.
  expect(sent.filter((g) => g.side === 'upstream' && !g.received)).toEqual([
    expect.objectContaining({ side: 'upstream', code: 0, lastStreamId: 0, received: false }),
  ]);
});

test('streams still running at the deadline are cut', async () => {
  const origin = await startTestOrigin('h2c');
  cleanups.push(() => origin.close());
  const proxy = await startTestProxy(origin.url, { shutdownTimeoutMs: 300 });
  const session = await connectH2(proxy.url);
  cleanups.push(() => session.destroy());
  const held = collect(request(session, '/hold'));
  await waitFor('the request at the origin', () => origin.held.length === 1);
  // Expected before close(): the cut may reach the client before close() resolves.
  const cut = expect(held).rejects.toThrow(/stream closed before its end/);
  const started = Date.now();
  await proxy.close();
  expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  await cut;
});

test('an upstream connect still under way when the proxy closes ends close() as it fails, not at the deadline', async () => {
  // Accepts TCP and never answers the TLS handshake: the pool's connect waits for connectTimeoutMs.
  const silent = net.createServer((socket) => cleanups.push(() => socket.destroy()));
  silent.listen(0, '127.0.0.1');
  await new Promise((r) => silent.once('listening', r));
  cleanups.push(() => new Promise((r) => silent.close(r)));
  let accepted = 0;
  silent.on('connection', () => accepted++);
  const origin = `https://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
  const proxy = await startTestProxy(origin, { shutdownTimeoutMs: 5000, upstream: { connectTimeoutMs: 300 } });
  const ends: string[] = [];
  proxy.events.on('stream-end', (r) => ends.push(r.outcome));
  const session = await connectH2(proxy.url);
  const stream = request(session, '/small');
  stream.on('error', () => {});
  await waitFor('the pool connecting', () => accepted === 1);
  // The client leaves: its request is withdrawn from the queue, the connect goes on.
  session.destroy();
  await waitFor('the stream-end record', () => ends.length === 1);
  expect(ends).toEqual(['cancelled-by-client']);
  const started = Date.now();
  await proxy.close();
  expect(Date.now() - started).toBeLessThan(2500);
});
