/**
 * WebSockets through h2race's HTTP/1.1 front (TLS, ALPN http/1.1 or none) to an HTTP/1.1 origin,
 * real `ws` client and server on both ends: messages of both types, pings both ways, close codes
 * both ways, a 16 MiB message byte-exact, the tunnel in the stream log with its exact bytes, the
 * links' latency applied to the tunnel, and the answers when the upgrade cannot go through.
 */
import { once } from 'node:events';
import * as http from 'node:http';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import type { ToxicInput } from '../../faults/link/toxic-set.js';
import { patternBytes } from '../helpers/bytes.js';
import { startTestOrigin } from '../helpers/origins.js';
import { testCert } from '../helpers/tls-cert.js';
import { waitFor } from '../helpers/wait.js';
import { cleanupsAfterEach } from '../helpers/cleanups.js';
import { startWsOrigin } from './ws-origin.js';
import { startWsProxy, type WsProxy } from './ws-proxy.js';
import { closed, echoedByteExact, exchangeAll, roundTrip } from './ws-messages.js';
import { RELEASE_EARLY_MS } from '../../faults/link/scheduled-queue.js';

const MAX_PAYLOAD = 64 * 1024 * 1024;

const cleanups = cleanupsAfterEach();

interface Proxy extends WsProxy {
  /** wss://127.0.0.1:PORT */
  wsUrl: string;
}

async function proxyTo(origin: string, toxics: ToxicInput[] = [], streamIdleTimeoutMs?: number): Promise<Proxy> {
  const proxy = await startWsProxy(origin, cleanups, { toxics, streamIdleTimeoutMs });
  return { ...proxy, wsUrl: proxy.h2race.proxy.url.replace(/^https/, 'wss') };
}

async function openWs(url: string): Promise<WebSocket> {
  const { cert } = await testCert();
  const ws = new WebSocket(url, { ca: cert, perMessageDeflate: false, maxPayload: MAX_PAYLOAD });
  cleanups.push(() => ws.terminate());
  await once(ws, 'open');
  return ws;
}

/** The answer to an Upgrade that does not become a WebSocket. */
async function refusedUpgrade(url: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const { cert } = await testCert();
  const ws = new WebSocket(url, { ca: cert });
  ws.on('error', () => {});
  return new Promise((resolve, reject) => {
    ws.once('open', () => reject(new Error('the upgrade went through')));
    ws.once('unexpected-response', (req: http.ClientRequest, res: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() });
      });
    });
  });
}

describe.each(['h1', 'h1-tls'] as const)('origin %s', (kind) => {
  async function setUp() {
    const origin = await startWsOrigin(kind);
    cleanups.push(() => origin.close());
    return { origin, proxy: await proxyTo(origin.url) };
  }

  test('text, binary, pings both ways and close codes both ways pass end to end', async () => {
    const { origin, proxy } = await setUp();
    const ws = await openWs(`${proxy.wsUrl}/chat?room=1`);
    expect(origin.upgrades[0]).toMatchObject({ upgrade: 'websocket', connection: 'upgrade', via: '1.1 h2race', 'x-forwarded-proto': 'https' });
    expect(origin.upgrades[0]!['sec-websocket-key']).toMatch(/^[A-Za-z0-9+/]{22}==$/);

    await exchangeAll(ws);

    // The client closes with its code and reason.
    const second = await openWs(`${proxy.wsUrl}/chat?room=2`);
    const byClient = closed(second);
    second.close(4002, 'client says bye');
    expect(await byClient).toEqual({ code: 4002, reason: 'client says bye' });
    await waitFor('the origin to see the client\'s close', () => origin.closes.length === 2);
    expect(origin.closes).toEqual([{ code: 4001, reason: 'origin says bye' }, { code: 4002, reason: 'client says bye' }]);
  });

  test('a 16 MiB binary message arrives byte-exact, both ways', async () => {
    const { proxy } = await setUp();
    const ws = await openWs(`${proxy.wsUrl}/big`);
    await echoedByteExact(ws, patternBytes(11, 16 * 1024 * 1024));
  });

  test('the tunnel is one stream in the log: status 101, completed, its exact bytes each way', async () => {
    const { proxy } = await setUp();
    const ws = await openWs(`${proxy.wsUrl}/logged`);
    await roundTrip(ws, 'hello');
    const done = closed(ws);
    ws.close(1000);
    expect((await done).code).toBe(1000);
    await waitFor('the tunnel\'s stream-end record', () => proxy.ends.length === 1);
    // Client frames carry a 4-byte mask: 'hello' 2+4+5, close(1000) 2+4+2. Origin frames: 2+5, 2+2.
    expect(proxy.ends[0]).toMatchObject({
      protocol: 'http/1.1',
      method: 'GET',
      path: '/logged',
      status: 101,
      outcome: 'completed',
      bytesIn: 11 + 8,
      bytesOut: 7 + 4,
      attempts: 1,
    });
    expect(proxy.ends[0]!.upstreamId).toBeTypeOf('number');
  });

  test('an origin refusing the upgrade: its 403 and body reach the client', async () => {
    const { proxy } = await setUp();
    const answer = await refusedUpgrade(`${proxy.wsUrl}/forbidden`);
    expect(answer).toMatchObject({ status: 403, body: 'forbidden\n' });
    expect(answer.headers).toMatchObject({ 'x-origin': 'ws', via: '1.1 h2race', connection: 'close' });
    await waitFor('the stream-end record', () => proxy.ends.length === 1);
    expect(proxy.ends[0]).toMatchObject({ status: 403, outcome: 'completed', bytesOut: 10 });
  });
});

test('a tunnel silent for longer than the stream idle timeout stays open (WebSockets idle for minutes)', async () => {
  const origin = await startWsOrigin('h1');
  cleanups.push(() => origin.close());
  const proxy = await proxyTo(origin.url, [], 100);
  const ws = await openWs(`${proxy.wsUrl}/quiet`);
  await roundTrip(ws, 'before');
  await new Promise((r) => setTimeout(r, 400));
  await roundTrip(ws, 'after four idle timeouts');
  expect(proxy.ends).toEqual([]);
});

describe('a tunnel that breaks', () => {
  /** Resets the origin's end of a tunnel (RST), as a crashed peer or a middlebox does. */
  const reset = (ws: WebSocket) => (ws as unknown as { _socket: net.Socket })._socket.resetAndDestroy();

  test('the origin resets it: the client sees the connection die (1006), the stream is an upstream error', async () => {
    const origin = await startWsOrigin('h1');
    cleanups.push(() => origin.close());
    const proxy = await proxyTo(origin.url);
    const ws = await openWs(`${proxy.wsUrl}/doomed`);
    await roundTrip(ws, 'before');
    const done = closed(ws);
    reset([...origin.open][0]!);
    expect((await done).code).toBe(1006);
    await waitFor('the stream-end record', () => proxy.ends.length === 1);
    expect(proxy.ends[0]).toMatchObject({ status: 101, outcome: 'upstream-error', error: 'WebSocket tunnel to origin broke: ECONNRESET' });
  });

  test('the client resets it: the origin sees the connection end (1006), the stream is cancelled by the client', async () => {
    const origin = await startWsOrigin('h1');
    cleanups.push(() => origin.close());
    const proxy = await proxyTo(origin.url);
    // The client's TLS runs over a TCP socket of the test's own, which it can reset.
    const { cert } = await testCert();
    let tcp!: net.Socket;
    const ws = new WebSocket(`${proxy.wsUrl}/left`, {
      ca: cert,
      createConnection: ((options: tls.ConnectionOptions) => {
        tcp = net.connect(proxy.h2race.proxy.address.port, '127.0.0.1');
        return tls.connect({ ...options, socket: tcp });
      }) as unknown as typeof net.createConnection,
    });
    ws.on('error', () => {});
    cleanups.push(() => ws.terminate());
    await once(ws, 'open');
    await roundTrip(ws, 'before');
    tcp.resetAndDestroy();
    await waitFor('the origin to see the tunnel end', () => origin.closes.length === 1);
    expect(origin.closes[0]!.code).toBe(1006);
    await waitFor('the stream-end record', () => proxy.ends.length === 1);
    expect(proxy.ends[0]).toMatchObject({ status: 101, outcome: 'cancelled-by-client' });
  });
});

describe('the links shape the tunnel', () => {
  test('latency on both links: a round trip takes at least the two one-way delays', async () => {
    const origin = await startWsOrigin('h1');
    cleanups.push(() => origin.close());
    const up = 70;
    const down = 110;
    const plain = await proxyTo(origin.url);
    const shaped = await proxyTo(origin.url, [
      { type: 'latency', stream: 'upstream', attributes: { latency: up } },
      { type: 'latency', stream: 'downstream', attributes: { latency: down } },
    ]);
    const rtts = async (url: string) => {
      const ws = await openWs(url);
      const out: number[] = [];
      for (let i = 0; i < 3; i++) out.push(await roundTrip(ws, `message ${i}`));
      return out;
    };
    const without = await rtts(`${plain.wsUrl}/rtt`);
    const withLatency = await rtts(`${shaped.wsUrl}/rtt`);
    console.info(`WebSocket round trips through h2race: ${without.map((t) => t.toFixed(1)).join(', ')} ms without toxics; ` +
      `${withLatency.map((t) => t.toFixed(1)).join(', ')} ms with latency ${up} ms up + ${down} ms down`);
    // A lower bound the toxics guarantee: each message crosses the upstream link, its echo the downstream one.
    // Each link may release a piece up to RELEASE_EARLY_MS before its time (libuv's ms timers, centred on it).
    for (const rtt of withLatency) expect(rtt).toBeGreaterThanOrEqual(up + down - 2 * RELEASE_EARLY_MS);
  });
});

describe('upgrades that cannot go through get a clear answer', () => {
  test('origin down: 502 naming the refused connection, logged as an upstream error', async () => {
    const origin = await startWsOrigin('h1');
    const url = origin.url;
    await origin.close();
    const proxy = await proxyTo(url);
    const answer = await refusedUpgrade(`${proxy.wsUrl}/down`);
    expect(answer.status).toBe(502);
    expect(answer.headers['x-h2race-error']).toBe('connect-refused');
    expect(answer.body).toMatch(/^h2race: origin 127\.0\.0\.1:\d+ refused the connection\n$/);
    await waitFor('the stream-end record', () => proxy.ends.length === 1);
    expect(proxy.ends[0]).toMatchObject({ status: 502, outcome: 'upstream-error' });
  });

  test('an h2c origin: 501 at once, saying this front does not turn an Upgrade into an extended CONNECT', async () => {
    const origin = await startTestOrigin('h2c');
    cleanups.push(() => origin.close());
    const proxy = await proxyTo(origin.url);
    const answer = await refusedUpgrade(`${proxy.wsUrl}/chat`);
    expect(answer.status).toBe(501);
    expect(answer.body).toContain('speaks only HTTP/2 (h2c), and h2race does not turn an HTTP/1.1 WebSocket Upgrade into an RFC 8441 extended CONNECT');
    expect(origin.streams).toHaveLength(0);
  });

  test('an https origin that speaks only HTTP/2: 502 with the reason', async () => {
    const origin = await startTestOrigin('h2');
    cleanups.push(() => origin.close());
    const proxy = await proxyTo(origin.url);
    const answer = await refusedUpgrade(`${proxy.wsUrl}/chat`);
    expect(answer.status).toBe(502);
    expect(answer.body).toMatch(/^h2race: origin 127\.0\.0\.1:\d+ offers no HTTP\/1\.1 \(TLS ALPN\): it speaks only HTTP\/2, and h2race does not turn an HTTP\/1\.1 WebSocket Upgrade into an RFC 8441 extended CONNECT\n$/);
    expect(answer.headers['x-h2race-error']).toBe('protocol');
  });

  test('an Upgrade to something other than websocket: 501, and the connection is not left hanging', async () => {
    const origin = await startWsOrigin('h1');
    cleanups.push(() => origin.close());
    const proxy = await proxyTo(origin.url);
    const { cert } = await testCert();
    const https = await import('node:https');
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = https.request(`${proxy.h2race.proxy.url}/x`, { ca: cert, agent: false, headers: { connection: 'upgrade', upgrade: 'foo/1' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      });
      req.once('upgrade', () => reject(new Error('upgraded')));
      req.once('error', reject);
      req.end();
    });
    expect(answer).toEqual({ status: 501, body: 'h2race: only WebSocket upgrades (GET with Upgrade: websocket) are forwarded, not GET with Upgrade: foo/1\n' });
    expect(origin.upgrades).toHaveLength(0);
  });
});
