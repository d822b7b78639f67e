/**
 * WebSockets over HTTP/2 (RFC 8441) through h2race's HTTP/2 front to an HTTP/1.1 origin: a real
 * `ws` WebSocket on a node:http2 extended CONNECT stream (./h2-websocket.ts) against the real `ws`
 * server. Messages of both types, pings both ways, close codes both ways, a 16 MiB message
 * byte-exact, the tunnel as one stream in the log, the origin's refusal passed through, a cancel
 * of one tunnel touching no other stream of the connection, and the links' latency applied.
 */
import { once } from 'node:events';
import type * as http2 from 'node:http2';
import { describe, expect, test } from 'vitest';
import { ToxicSet, type ToxicInput } from '../../faults/link/toxic-set.js';
import type { StreamEndRecord } from '../../proxy/events.js';
import { startH2race, type RunningH2race } from '../../proxy/h2race.js';
import { patternBytes, sha256 } from '../helpers/bytes.js';
import { cleanupsAfterEach } from '../helpers/cleanups.js';
import { startTestOrigin } from '../helpers/origins.js';
import { testCert } from '../helpers/tls-cert.js';
import { waitFor } from '../helpers/wait.js';
import { connectH2, openH2WebSocket, refusedH2WebSocket, type H2WebSocket } from './h2-websocket.js';
import { closed, nextMessage, roundTrip } from './ws-messages.js';
import { startWsOrigin } from './ws-origin.js';

const cleanups = cleanupsAfterEach();

interface Proxy {
  h2race: RunningH2race;
  ends: StreamEndRecord[];
  session(): Promise<http2.ClientHttp2Session>;
}

async function proxyTo(origin: string, opts: { toxics?: ToxicInput[]; streamIdleTimeoutMs?: number } = {}): Promise<Proxy> {
  const { cert, certPath, keyPath } = await testCert();
  const h2race = await startH2race({
    listen: '127.0.0.1:0',
    origin,
    cert: certPath,
    key: keyPath,
    shutdownTimeoutMs: 500,
    upstream: { ca: certPath, connectTimeoutMs: 2000 },
    downstream: { streamIdleTimeoutMs: opts.streamIdleTimeoutMs },
    toxics: new ToxicSet(opts.toxics ?? []),
  });
  cleanups.push(() => h2race.close());
  const ends: StreamEndRecord[] = [];
  h2race.proxy.events.on('stream-end', (r) => ends.push(r));
  return {
    h2race,
    ends,
    async session() {
      const session = await connectH2(h2race.proxy.url, cert);
      cleanups.push(() => session.destroy());
      return session;
    },
  };
}

async function open(session: http2.ClientHttp2Session, path: string): Promise<H2WebSocket> {
  const socket = await openH2WebSocket(session, path);
  cleanups.push(() => socket.ws.terminate());
  return socket;
}

describe.each(['h1', 'h1-tls'] as const)('origin %s', (kind) => {
  async function setUp() {
    const origin = await startWsOrigin(kind);
    cleanups.push(() => origin.close());
    const proxy = await proxyTo(origin.url);
    return { origin, proxy, session: await proxy.session() };
  }

  test('the front advertises RFC 8441; text, binary, pings both ways and close codes both ways pass end to end', async () => {
    const { origin, session } = await setUp();
    expect(session.remoteSettings.enableConnectProtocol).toBe(true);
    const { ws, response } = await open(session, '/chat?room=1');
    expect(response[':status']).toBe(200);
    expect(response['sec-websocket-accept']).toBeUndefined();
    // The origin got an RFC 6455 Upgrade with a key made up by h2race (a made-up one per tunnel).
    expect(origin.upgrades[0]).toMatchObject({ upgrade: 'websocket', connection: 'upgrade', 'sec-websocket-version': '13', via: '2 h2race', 'x-forwarded-proto': 'https', origin: 'https://h2race.test' });
    expect(origin.upgrades[0]!['sec-websocket-key']).toMatch(/^[A-Za-z0-9+/]{22}==$/);

    const text = nextMessage(ws);
    ws.send('héllo');
    expect(await text).toEqual({ data: Buffer.from('héllo'), isBinary: false });
    const bytes = patternBytes(1, 70_000);
    const binary = nextMessage(ws);
    ws.send(bytes);
    const echoed = await binary;
    expect(echoed.isBinary).toBe(true);
    expect(sha256(echoed.data)).toBe(sha256(bytes));

    const pong = new Promise<Buffer>((resolve) => ws.once('pong', resolve));
    ws.ping('from-client');
    expect((await pong).toString()).toBe('from-client');
    const fromOrigin = new Promise<Buffer>((resolve) => ws.once('ping', resolve));
    const confirmed = nextMessage(ws);
    ws.send('ping from-origin');
    expect((await fromOrigin).toString()).toBe('from-origin');
    expect((await confirmed).data.toString()).toBe('pong from-origin');

    const byOrigin = closed(ws);
    ws.send('close 4001 origin says bye');
    expect(await byOrigin).toEqual({ code: 4001, reason: 'origin says bye' });

    // A second tunnel on the same connection; the client closes it.
    const second = (await open(session, '/chat?room=2')).ws;
    const byClient = closed(second);
    second.close(4002, 'client says bye');
    expect(await byClient).toEqual({ code: 4002, reason: 'client says bye' });
    await waitFor('the origin to see the client\'s close', () => origin.closes.length === 2);
    expect(origin.closes).toEqual([{ code: 4001, reason: 'origin says bye' }, { code: 4002, reason: 'client says bye' }]);
    expect(origin.upgrades[1]!['sec-websocket-key']).not.toBe(origin.upgrades[0]!['sec-websocket-key']);
  });

  test('a 16 MiB binary message arrives byte-exact, both ways', async () => {
    const { session } = await setUp();
    const { ws } = await open(session, '/big');
    const payload = patternBytes(11, 16 * 1024 * 1024);
    const reply = nextMessage(ws);
    ws.send(payload);
    const { data, isBinary } = await reply;
    expect(isBinary).toBe(true);
    expect(data.length).toBe(payload.length);
    expect(sha256(data)).toBe(sha256(payload));
  });
});

test('the tunnel is one stream in the log: CONNECT, status 200, completed, its exact bytes each way', async () => {
  const origin = await startWsOrigin('h1');
  cleanups.push(() => origin.close());
  const proxy = await proxyTo(origin.url);
  const { ws } = await open(await proxy.session(), '/logged');
  await roundTrip(ws, 'hello');
  const done = closed(ws);
  ws.close(1000);
  expect((await done).code).toBe(1000);
  await waitFor('the tunnel\'s stream-end record', () => proxy.ends.length === 1);
  // Client frames carry a 4-byte mask: 'hello' 2+4+5, close(1000) 2+4+2. Origin frames: 2+5, 2+2.
  expect(proxy.ends[0]).toMatchObject({ protocol: 'h2', method: 'CONNECT', path: '/logged', status: 200, outcome: 'completed', bytesIn: 11 + 8, bytesOut: 7 + 4, attempts: 1 });
  expect(proxy.ends[0]!.upstreamId).toBeTypeOf('number');
});

test('an origin refusing the upgrade: its 403 and body reach the client', async () => {
  const origin = await startWsOrigin('h1');
  cleanups.push(() => origin.close());
  const proxy = await proxyTo(origin.url);
  const answer = await refusedH2WebSocket(await proxy.session(), '/forbidden');
  expect(answer).toMatchObject({ status: 403, body: 'forbidden\n' });
  expect(answer.headers).toMatchObject({ 'x-origin': 'ws', via: '1.1 h2race' });
  await waitFor('the stream-end record', () => proxy.ends.length === 1);
  expect(proxy.ends[0]).toMatchObject({ method: 'CONNECT', status: 403, outcome: 'completed' });
});

test('a cancel of one WebSocket stream touches no other stream of the connection', async () => {
  const origin = await startWsOrigin('h1');
  cleanups.push(() => origin.close());
  const proxy = await proxyTo(origin.url);
  const session = await proxy.session();
  const doomed = await open(session, '/doomed');
  const bystander = await open(session, '/bystander');
  await roundTrip(doomed.ws, 'before');
  await roundTrip(bystander.ws, 'before');
  // RST_STREAM(CANCEL) on the doomed tunnel's stream only.
  doomed.stream.close(0x8);
  await waitFor('the origin to see the cancelled tunnel end', () => origin.closes.length === 1);
  expect(origin.closes[0]!.code).toBe(1006);
  await waitFor('the cancelled tunnel\'s record', () => proxy.ends.length === 1);
  expect(proxy.ends[0]).toMatchObject({ path: '/doomed', outcome: 'cancelled-by-client', rstCode: 0x8 });
  // The other tunnel and the connection go on: a 1 MiB message and a new tunnel.
  const big = patternBytes(2, 1 << 20);
  const reply = nextMessage(bystander.ws);
  bystander.ws.send(big);
  expect(sha256((await reply).data)).toBe(sha256(big));
  await roundTrip((await open(session, '/after')).ws, 'a new tunnel');
  expect(origin.open.size).toBe(2);
  expect(session.destroyed).toBe(false);
});

test('a tunnel silent for longer than the stream idle timeout stays open', async () => {
  const origin = await startWsOrigin('h1');
  cleanups.push(() => origin.close());
  const proxy = await proxyTo(origin.url, { streamIdleTimeoutMs: 100 });
  const { ws } = await open(await proxy.session(), '/quiet');
  await roundTrip(ws, 'before');
  await new Promise((r) => setTimeout(r, 400));
  await roundTrip(ws, 'after four idle timeouts');
  expect(proxy.ends).toEqual([]);
});

test('latency on both links: a round trip through the HTTP/2 tunnel takes at least the two one-way delays', async () => {
  const origin = await startWsOrigin('h1');
  cleanups.push(() => origin.close());
  const up = 70;
  const down = 110;
  const plain = await proxyTo(origin.url);
  const shaped = await proxyTo(origin.url, {
    toxics: [
      { type: 'latency', stream: 'upstream', attributes: { latency: up } },
      { type: 'latency', stream: 'downstream', attributes: { latency: down } },
    ],
  });
  const rtts = async (proxy: Proxy) => {
    const { ws } = await open(await proxy.session(), '/rtt');
    const out: number[] = [];
    for (let i = 0; i < 3; i++) out.push(await roundTrip(ws, `message ${i}`));
    return out;
  };
  const without = await rtts(plain);
  const withLatency = await rtts(shaped);
  console.info(`WebSocket (RFC 8441) round trips through h2race: ${without.map((t) => t.toFixed(1)).join(', ')} ms without toxics; ` +
    `${withLatency.map((t) => t.toFixed(1)).join(', ')} ms with latency ${up} ms up + ${down} ms down`);
  for (const rtt of withLatency) expect(rtt).toBeGreaterThanOrEqual(up + down);
});

describe('tunnels that cannot go through get a clear answer', () => {
  test('an h2c origin: 501 at once, saying h2race does not open WebSockets to HTTP/2 origins yet', async () => {
    const origin = await startTestOrigin('h2c');
    cleanups.push(() => origin.close());
    const proxy = await proxyTo(origin.url);
    const answer = await refusedH2WebSocket(await proxy.session(), '/chat');
    expect(answer.status).toBe(501);
    expect(answer.body).toBe(`h2race: origin ${new URL(origin.url).host} speaks only HTTP/2 (h2c), and h2race does not open WebSockets to HTTP/2 origins yet\n`);
    expect(origin.streams).toHaveLength(0);
  });

  test('origin down: 502 naming the refused connection', async () => {
    const origin = await startWsOrigin('h1');
    const url = origin.url;
    await origin.close();
    const proxy = await proxyTo(url);
    const answer = await refusedH2WebSocket(await proxy.session(), '/down');
    expect(answer.status).toBe(502);
    expect(answer.headers['x-h2race-error']).toBe('connect-refused');
    await waitFor('the stream-end record', () => proxy.ends.length === 1);
    expect(proxy.ends[0]).toMatchObject({ method: 'CONNECT', status: 502, outcome: 'upstream-error' });
  });

  test('a plain CONNECT (no :protocol) is still refused with 501', async () => {
    const origin = await startWsOrigin('h1');
    cleanups.push(() => origin.close());
    const proxy = await proxyTo(origin.url);
    const session = await proxy.session();
    const stream = session.request({ ':method': 'CONNECT', ':authority': 'example.com:443' });
    stream.on('error', () => {});
    const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
    expect(headers[':status']).toBe(501);
    expect(origin.upgrades).toHaveLength(0);
  });
});
