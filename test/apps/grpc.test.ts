/**
 * gRPC through h2race with the real @grpc/grpc-js client and server (h2c origin), through the TLS
 * front (the test's certificate as the channel's root) and the h2c front, with the same
 * assertions as straight to the origin: every call type, metadata both ways, trailers and status
 * codes (a Trailers-Only error, INTERNAL with its message after messages), deadlines, an 8 MiB
 * message, and a client's cancel mid-stream that leaves the other calls on its connection whole
 * in every safe pool mode.
 */
import * as grpc from '@grpc/grpc-js';
import { describe, expect, test } from 'vitest';
import { ToxicSet } from '../../faults/link/toxic-set.js';
import type { PoolMode } from '../../faults/pool/types.js';
import { createProxyEvents, type StreamEndRecord } from '../../proxy/events.js';
import { startH2race, type RunningH2race } from '../../proxy/h2race.js';
import { patternBytes, sha256 } from '../helpers/bytes.js';
import { testCert } from '../helpers/tls-cert.js';
import { waitFor } from '../helpers/wait.js';
import { cleanupsAfterEach } from '../helpers/cleanups.js';
import { bidiEcho, clientStream, MESSAGE_LIMITS, serverStream, startGrpcOrigin, TestClient, unary, type GrpcOrigin, type TestClientApi } from './grpc-service.js';

/** Straight to the origin, or through h2race's fronts (on h2race's own engine). */
type Target = 'direct' | 'tls front' | 'h2c front';

const cleanups = cleanupsAfterEach();

interface Setup {
  origin: GrpcOrigin;
  client: TestClientApi;
  h2race?: RunningH2race;
  ends: StreamEndRecord[];
}

async function setUp(target: Target, mode: PoolMode = 'retain'): Promise<Setup> {
  const origin = await startGrpcOrigin();
  cleanups.push(() => origin.close());
  const ends: StreamEndRecord[] = [];
  if (target === 'direct') {
    const client = new TestClient(origin.address, grpc.credentials.createInsecure(), MESSAGE_LIMITS);
    cleanups.push(() => client.close());
    return { origin, client, ends };
  }
  const { cert, certPath, keyPath } = await testCert();
  const events = createProxyEvents();
  const h2race = await startH2race({
    events,
    listen: '127.0.0.1:0',
    h2cListen: '127.0.0.1:0',
    origin: origin.url,
    cert: certPath,
    key: keyPath,
    shutdownTimeoutMs: 500,
    pool: { mode },
    toxics: new ToxicSet(),
  });
  cleanups.push(async () => {
    await h2race.close();
    expect(h2race.pool.stats().inUse).toBe(0);
  });
  events.on('stream-end', (r) => ends.push(r));
  const client = target.startsWith('tls')
    ? new TestClient(`127.0.0.1:${h2race.proxy.address.port}`, grpc.credentials.createSsl(Buffer.from(cert)), MESSAGE_LIMITS)
    : new TestClient(`127.0.0.1:${h2race.proxy.h2cAddress!.port}`, grpc.credentials.createInsecure(), MESSAGE_LIMITS);
  cleanups.push(() => client.close());
  return { origin, client, h2race, ends };
}

const OK_TRAILERS = { 'x-server-trailer': 't1' };

describe.each(['direct', 'tls front', 'h2c front'] as Target[])('%s', (target) => {
  test('unary: the message, metadata both ways, the trailers and OK', async () => {
    const { origin, client } = await setUp(target);
    const binary = Buffer.from([0, 1, 2, 0xfe, 0xff]).toString('base64');
    const r = await unary(client, Buffer.from('hello gRPC'), { 'x-client': 'c1', 'x-trace-bin': binary });
    expect(r.value?.toString()).toBe('hello gRPC');
    expect(r.headers).toMatchObject({ 'x-saw-client': 'c1', 'x-echo-bin': binary });
    expect(r.status).toMatchObject({ code: grpc.status.OK, trailers: OK_TRAILERS });
    expect(origin.calls[0]).toMatchObject({ method: 'unary', metadata: { 'x-client': 'c1', 'x-trace-bin': binary }, deadline: Infinity, end: 'finished' });
  });

  test('server streaming, client streaming and bidi calls', async () => {
    const { client } = await setUp(target);
    const down = serverStream(client, { 'x-count': '50' });
    const up = clientStream(client, Array.from({ length: 40 }, (_, i) => patternBytes(i, 1000 + i)));
    const both = bidiEcho(client, Array.from({ length: 30 }, (_, i) => patternBytes(i * 7, 5000 + i)));
    const [d, u, b] = await Promise.all([down.result, up, both]);
    expect(d.value).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
    expect(d.status).toMatchObject({ code: grpc.status.OK, trailers: OK_TRAILERS });
    expect(u.value).toBe(`40:${40 * 1000 + (39 * 40) / 2}`);
    expect(u.status.code).toBe(grpc.status.OK);
    expect(b.value!.map(sha256)).toEqual(Array.from({ length: 30 }, (_, i) => sha256(patternBytes(i * 7, 5000 + i))));
    expect(b.status).toMatchObject({ code: grpc.status.OK, trailers: OK_TRAILERS });
  });

  test('status codes: NOT_FOUND as a Trailers-Only response, INTERNAL with its message after two messages', async () => {
    const { client } = await setUp(target);
    const missing = await unary(client, Buffer.from('x'), { 'x-mode': 'not-found' });
    // Trailers-Only: one header block, so gRPC reads the response headers as trailers too.
    expect(missing.status).toMatchObject({ code: grpc.status.NOT_FOUND, details: 'no such thing', trailers: { 'x-why': 'missing', 'content-type': 'application/grpc+proto' } });
    expect(missing.value).toBeUndefined();
    const broken = serverStream(client, { 'x-count': '10', 'x-mode': 'internal' });
    const r = await broken.result;
    expect(r.value).toEqual(['0', '1']);
    expect(r.status).toEqual({ code: grpc.status.INTERNAL, details: 'boom mid-stream', trailers: OK_TRAILERS });
  });

  test('an 8 MiB message each way arrives intact', async () => {
    const { client } = await setUp(target);
    const big = patternBytes(5, 8 * 1024 * 1024);
    const r = await unary(client, big);
    expect(r.status.code).toBe(grpc.status.OK);
    expect(r.value!.length).toBe(big.length);
    expect(sha256(r.value!)).toBe(sha256(big));
  });

  test('a deadline: DEADLINE_EXCEEDED reaches the client, the origin got the deadline and sees the call end', async () => {
    const { origin, client } = await setUp(target);
    const started = Date.now();
    const r = await unary(client, Buffer.from('x'), { 'x-mode': 'hold' }, { deadline: started + 1000 });
    const elapsed = Date.now() - started;
    expect(r.status.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    // grpc-timeout went through: the origin's deadline is what remained of the client's 1 s.
    const { at, deadline } = origin.calls[0]!;
    expect(deadline - at).toBeGreaterThan(0);
    expect(deadline - at).toBeLessThanOrEqual(1000);
    await waitFor('the origin to see the call cancelled', () => origin.calls[0]!.end === 'cancelled');
    console.info(`${target}: DEADLINE_EXCEEDED after ${elapsed} ms (deadline 1000 ms)`);
  });
});

/**
 * One connection carries four calls; the client cancels the endless one mid-stream. The origin
 * must see that cancel, and the three others (a bidi echo in flight across the cancel, a server
 * stream, a unary) complete with every byte.
 */
async function cancelAmongOthers(setup: Setup): Promise<void> {
  const { origin, client } = setup;
  const endless = serverStream(client, { 'x-count': '0', 'x-interval-ms': '5', 'x-client': 'endless' });
  await waitFor('the endless stream\'s first messages', () => endless.messages.length >= 3);
  const bidiMessages = Array.from({ length: 40 }, (_, i) => patternBytes(i * 3, 64 * 1024));
  const echo = bidiEcho(client, bidiMessages);
  const stream = serverStream(client, { 'x-count': '200', 'x-interval-ms': '1' });
  const big = patternBytes(9, 1024 * 1024);
  const single = unary(client, big);
  await waitFor('the other calls under way', () => stream.messages.length >= 5);
  endless.call.cancel();
  const [e, b, s, u] = await Promise.all([endless.result, echo, stream.result, single]);
  expect(e.status.code).toBe(grpc.status.CANCELLED);
  await waitFor('the origin to see the cancel', () => origin.calls.find((c) => c.metadata['x-client'] === 'endless')?.end === 'cancelled');
  expect(b.status.code).toBe(grpc.status.OK);
  expect(b.value!.map(sha256)).toEqual(bidiMessages.map(sha256));
  expect(s.status.code).toBe(grpc.status.OK);
  expect(s.value).toEqual(Array.from({ length: 200 }, (_, i) => String(i)));
  expect(u.status.code).toBe(grpc.status.OK);
  expect(sha256(u.value!)).toBe(sha256(big));
  expect(origin.calls.filter((c) => c.end !== 'finished').map((c) => c.metadata['x-client'])).toEqual(['endless']);
}

describe('a client\'s cancel mid-stream touches no other call on its connection', () => {
  test('direct', async () => {
    await cancelAmongOthers(await setUp('direct'));
  });

  describe.each(['none', 'discard-on-reset', 'retain'] as PoolMode[])('pool %s', (mode) => {
    test.each(['tls front', 'h2c front'] as Target[])('%s', async (target) => {
      const setup = await setUp(target, mode);
      await cancelAmongOthers(setup);
      await waitFor('every call\'s stream-end record', () => setup.ends.length === 4);
      expect(new Set(setup.ends.map((r) => r.connectionId)).size).toBe(1);
      expect(setup.ends.map((r) => r.outcome).sort()).toEqual(['cancelled-by-client', 'completed', 'completed', 'completed']);
      expect(setup.h2race!.pool.stats().racesReusedWhilePending).toBe(0);
    });
  });
});
