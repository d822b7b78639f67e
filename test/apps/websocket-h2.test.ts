/**
 * WebSockets over HTTP/2 (RFC 8441) through h2race's HTTP/2 front to an HTTP/1.1 origin (to
 * HTTP/2 origins: ./websocket-h2-origin.test.ts): a real `ws` WebSocket on a node:http2 extended
 * CONNECT stream (./h2-websocket.ts) against the real `ws` server. Messages of both types, pings both ways, close codes both ways, a 16 MiB message
 * byte-exact, the tunnel as one stream in the log, the origin's refusal passed through, a cancel
 * of one tunnel touching no other stream of the connection, and the links' latency applied.
 */
import { once } from 'node:events';
import * as http from 'node:http';
import type * as http2 from 'node:http2';
import type * as net from 'node:net';
import { describe, expect, test } from 'vitest';
import type { ToxicInput } from '../../faults/link/toxic-set.js';
import { patternBytes } from '../helpers/bytes.js';
import { cleanupsAfterEach } from '../helpers/cleanups.js';
import { waitFor } from '../helpers/wait.js';
import { connectH2, openH2WebSocket, refusedH2WebSocket, type H2WebSocket } from './h2-websocket.js';
import { clientClosesSecond, closed, echoedByteExact, exchangeAll, roundTrip } from './ws-messages.js';
import { startWsOrigin } from './ws-origin.js';
import { expectTunnelLogged, startH2WsProxy, type H2WsProxy, type WsProxyOptions } from './ws-proxy.js';
import { RELEASE_EARLY_MS } from '../../faults/link/scheduled-queue.js';

const cleanups = cleanupsAfterEach();

async function proxyTo(origin: string, opts: WsProxyOptions = {}): Promise<H2WsProxy> {
  return startH2WsProxy(origin, cleanups, opts);
}

function open(session: http2.ClientHttp2Session, path: string): Promise<H2WebSocket> {
  return openH2WebSocket(session, path, cleanups);
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

    await exchangeAll(ws);

    // A second tunnel on the same connection; the client closes it.
    await clientClosesSecond((await open(session, '/chat?room=2')).ws, origin);
    expect(origin.upgrades[1]!['sec-websocket-key']).not.toBe(origin.upgrades[0]!['sec-websocket-key']);
  });

  test('a 16 MiB binary message arrives byte-exact, both ways', async () => {
    const { session } = await setUp();
    const { ws } = await open(session, '/big');
    await echoedByteExact(ws, patternBytes(11, 16 * 1024 * 1024));
  });
});

test('a tunnel that ended is let go by its connection\'s frame path once its frames are out, with no other tunnel opening', async () => {
  const origin = await startWsOrigin('h1');
  cleanups.push(() => origin.close());
  const proxy = await proxyTo(origin.url);
  const session = await proxy.session();
  const [path] = [...proxy.h2race.connections.values()];
  const kept = await open(session, '/kept');
  const ending = await open(session, '/ending');
  expect(path!.tunnelCount).toBe(2);
  const gone = closed(ending.ws);
  ending.ws.close(4002, 'client says bye');
  await gone;
  await waitFor('the ended tunnel let go', () => path!.tunnelCount === 1);
  // The open one is still a tunnel (frame toxics keep away from it) and still carries messages.
  await roundTrip(kept.ws, 'still here');
  expect(path!.tunnelCount).toBe(1);
});

test('the cleartext h2c front takes extended CONNECT too', async () => {
  const origin = await startWsOrigin('h1');
  cleanups.push(() => origin.close());
  const proxy = await proxyTo(origin.url);
  const session = await connectH2(proxy.h2race.proxy.h2cUrl!);
  cleanups.push(() => session.destroy());
  expect(session.remoteSettings.enableConnectProtocol).toBe(true);
  const { ws } = await open(session, '/clear');
  await roundTrip(ws, 'over h2c');
  expect(origin.upgrades[0]).toMatchObject({ upgrade: 'websocket', 'x-forwarded-proto': 'http' });
});

test('the tunnel is one stream in the log: CONNECT, status 200, completed, its exact bytes each way', async () => {
  const origin = await startWsOrigin('h1');
  cleanups.push(() => origin.close());
  const proxy = await proxyTo(origin.url);
  const { ws } = await open(await proxy.session(), '/logged');
  await expectTunnelLogged(proxy, ws, '/logged');
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
  await echoedByteExact(bystander.ws, patternBytes(2, 1 << 20));
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
  const rtts = async (proxy: H2WsProxy) => {
    const { ws } = await open(await proxy.session(), '/rtt');
    const out: number[] = [];
    for (let i = 0; i < 3; i++) out.push(await roundTrip(ws, `message ${i}`));
    return out;
  };
  const without = await rtts(plain);
  const withLatency = await rtts(shaped);
  console.info(`WebSocket (RFC 8441) round trips through h2race: ${without.map((t) => t.toFixed(1)).join(', ')} ms without toxics; ` +
    `${withLatency.map((t) => t.toFixed(1)).join(', ')} ms with latency ${up} ms up + ${down} ms down`);
  // Each link may release a piece up to RELEASE_EARLY_MS before its time (libuv's ms timers, centred on it).
  for (const rtt of withLatency) expect(rtt).toBeGreaterThanOrEqual(up + down - 2 * RELEASE_EARLY_MS);
});

describe('tunnels that cannot go through get a clear answer', () => {
  test('an origin whose 101 carries a wrong Sec-WebSocket-Accept: 502, the tunnel not opened', async () => {
    const server = http.createServer();
    server.on('upgrade', (_req, socket: net.Socket) => {
      socket.end('HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\nsec-websocket-accept: bm90IHRoZSBoYXNo\r\n\r\n');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const proxy = await proxyTo(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`);
    const answer = await refusedH2WebSocket(await proxy.session(), '/chat');
    expect(answer.status).toBe(502);
    expect(answer.headers['x-h2race-error']).toBe('protocol');
    expect(answer.body).toMatch(/^h2race: origin 127\.0\.0\.1:\d+ answered the WebSocket upgrade with a wrong Sec-WebSocket-Accept\n$/);
  });

  test('an extended CONNECT for another protocol: 501 naming it', async () => {
    const origin = await startWsOrigin('h1');
    cleanups.push(() => origin.close());
    const proxy = await proxyTo(origin.url);
    const session = await proxy.session();
    const stream = session.request({ ':method': 'CONNECT', ':protocol': 'webtransport', ':scheme': 'https', ':path': '/wt' });
    stream.on('error', () => {});
    const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    await once(stream, 'end');
    expect(headers[':status']).toBe(501);
    expect(Buffer.concat(chunks).toString()).toBe('h2race: only WebSocket tunnels (extended CONNECT with :protocol websocket) are forwarded, not :protocol webtransport\n');
    expect(origin.upgrades).toHaveLength(0);
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

describe('frame toxics leave tunnel streams alone unless asked (tunnels: true)', () => {
  /** A tunnel and a plain GET on one connection through a proxy with `toxics`; the decisions the frame toxics made. */
  async function tunnelBeside(toxics: ToxicInput[]) {
    const origin = await startWsOrigin('h1');
    cleanups.push(() => origin.close());
    const proxy = await proxyTo(origin.url, { toxics });
    const session = await proxy.session();
    const decisions: Array<{ kind: string; value: unknown }> = [];
    const [path] = [...proxy.h2race.connections.values()];
    path!.events.on('decision', (d) => decisions.push(d));
    const tunnel = await open(session, '/tunnel');
    return { origin, proxy, session, tunnel, decisions };
  }

  async function get(session: http2.ClientHttp2Session, path: string): Promise<{ status: number | undefined }> {
    const stream = session.request({ ':path': path });
    stream.on('error', () => {});
    let status: number | undefined;
    stream.once('response', (h) => (status = Number(h[':status'])));
    stream.resume();
    await once(stream, 'close');
    return { status };
  }

  test('rst_inject picks the plain stream and not the tunnel; with tunnels: true it cancels the tunnel too', async () => {
    const left = await tunnelBeside([{ type: 'rst_inject', attributes: { path: '/', after: 0 } }]);
    expect((await get(left.session, '/plain')).status).toBe(404);
    await roundTrip(left.tunnel.ws, 'still here');
    expect(left.decisions.map((d) => [d.kind, d.value])).toEqual([['cancel', { stream: 3, path: '/plain', after: 0 }]]);

    const asked = await tunnelBeside([{ type: 'rst_inject', attributes: { path: '/', after: 0, tunnels: true } }]);
    const gone = closed(asked.tunnel.ws);
    expect((await gone).code).toBe(1006);
    expect(asked.tunnel.stream.rstCode).toBe(0x8);
    await waitFor('the origin to see the tunnel end', () => asked.origin.closes.length === 1);
  });

  test('reorder holds no frame of a tunnel; with tunnels: true it holds them', async () => {
    const exchange = async (tunnels?: boolean) => {
      const run = await tunnelBeside([{ type: 'reorder', attributes: { window: 4, probability: 1, ...(tunnels ? { tunnels } : {}) } }]);
      for (let i = 0; i < 4; i++) await roundTrip(run.tunnel.ws, `message ${i}`);
      return run.decisions.filter((d) => d.kind === 'hold').map((d) => d.value);
    };
    expect(await exchange()).toEqual([]);
    expect((await exchange(true)).length).toBeGreaterThan(0);
  });

  test('rst_delay does not hold a tunnel\'s RST_STREAM: the origin hears of the cancel at once', async () => {
    const run = await tunnelBeside([{ type: 'rst_delay', attributes: { delay: 600_000 } }]);
    await roundTrip(run.tunnel.ws, 'before');
    run.tunnel.stream.close(0x8);
    await waitFor('the origin to see the cancelled tunnel end', () => run.origin.closes.length === 1);
    expect(run.origin.closes[0]!.code).toBe(1006);
  });
});
