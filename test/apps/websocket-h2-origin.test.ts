/**
 * WebSockets over HTTP/2 (RFC 8441) on both sides of h2race: a real `ws` WebSocket on a node:http2
 * extended CONNECT stream (./h2-websocket.ts) through h2race's HTTP/2 front to a node:http2
 * origin that enabled extended CONNECT and runs the real `ws` WebSocket server-side on the stream
 * it accepts (./h2-ws-origin.ts), h2c and TLS h2. The tunnel is an extended CONNECT on the pooled
 * upstream session: messages of both types, pings both ways, close codes both ways, a 16 MiB
 * message byte-exact both ways (flow control end to end), the origin's refusal passed through, a
 * reset on either side ending that tunnel only (another tunnel and a plain request on the same
 * upstream session unharmed), an open tunnel outliving its session's GOAWAY while a new one
 * goes on a new session, an origin without the setting answered 501, latency applied; an
 * https origin that also speaks HTTP/1.1 gets the tunnel over h2 when it enabled RFC 8441, as an
 * Upgrade over HTTP/1.1 otherwise.
 */
import { once } from 'node:events';
import type * as http2 from 'node:http2';
import { describe, expect, test } from 'vitest';
import type { ToxicInput } from '../../faults/link/toxic-set.js';
import { patternBytes, sha256 } from '../helpers/bytes.js';
import { cleanupsAfterEach } from '../helpers/cleanups.js';
import { waitFor } from '../helpers/wait.js';
import { openH2Tunnel, openH2WebSocket, refusedH2WebSocket, type H2WebSocket } from './h2-websocket.js';
import { startH2WsOrigin, type H2WsOrigin } from './h2-ws-origin.js';
import { clientClosesSecond, closed, echoedByteExact, exchangeAll, roundTrip } from './ws-messages.js';
import { expectTunnelLogged, startH2WsProxy, type H2WsProxy, type WsProxyOptions } from './ws-proxy.js';
import { RELEASE_EARLY_MS } from '../../faults/link/scheduled-queue.js';

const cleanups = cleanupsAfterEach();

async function proxyTo(origin: string, opts: WsProxyOptions = {}): Promise<H2WsProxy> {
  return startH2WsProxy(origin, cleanups, opts);
}

async function originOf(tls: boolean, enableConnectProtocol = true, http1 = false): Promise<H2WsOrigin> {
  const origin = await startH2WsOrigin({ tls, enableConnectProtocol, http1 });
  cleanups.push(() => origin.close());
  return origin;
}

function open(session: http2.ClientHttp2Session, path: string): Promise<H2WebSocket> {
  return openH2WebSocket(session, path, cleanups);
}

/** A plain GET on `session`: its status and body. */
async function get(session: http2.ClientHttp2Session, path: string): Promise<{ status: number; body: string }> {
  const stream = session.request({ ':path': path });
  stream.on('error', () => {});
  const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  await once(stream, 'end');
  return { status: Number(headers[':status']), body: Buffer.concat(chunks).toString() };
}

/** Writes `payload` to `stream` in 64 KiB writes as fast as it takes them; how many bytes it took so far. */
function writeAll(stream: http2.Http2Stream, payload: Buffer): { taken(): number } {
  let taken = 0;
  let offset = 0;
  const write = (): void => {
    while (offset < payload.length) {
      const chunk = payload.subarray(offset, offset + 64 * 1024);
      offset += chunk.length;
      if (!stream.write(chunk, () => (taken += chunk.length))) return void stream.once('drain', write);
    }
  };
  write();
  return { taken: () => taken };
}

/** Reads `length` bytes from `stream` (resuming it), then pauses it again. */
async function readBytes(stream: http2.Http2Stream, length: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  const onData = (c: Buffer) => {
    chunks.push(c);
    got += c.length;
  };
  stream.on('data', onData);
  await waitFor(`${length} bytes`, () => got >= length);
  stream.off('data', onData);
  stream.pause();
  return Buffer.concat(chunks);
}

describe.each([['h2c', false], ['h2', true]] as const)('origin %s with SETTINGS_ENABLE_CONNECT_PROTOCOL', (_kind, tls) => {
  async function setUp(opts: { toxics?: ToxicInput[] } = {}) {
    const origin = await originOf(tls);
    const proxy = await proxyTo(origin.url, opts);
    return { origin, proxy, session: await proxy.session() };
  }

  test('the tunnel is an extended CONNECT upstream; text, binary, pings and close codes both ways pass end to end', async () => {
    const { origin, proxy, session } = await setUp();
    const { ws, response } = await open(session, '/chat?room=1');
    expect(response[':status']).toBe(200);
    expect(response.via).toBe('2 h2race');
    expect(origin.upgrades[0]).toMatchObject({
      ':method': 'CONNECT',
      ':protocol': 'websocket',
      ':scheme': tls ? 'https' : 'http',
      ':path': '/chat?room=1',
      'sec-websocket-version': '13',
      origin: 'https://h2race.test',
      via: '2 h2race',
      'x-forwarded-proto': 'https',
    });
    // The client's authority (h2race's own address here) goes as :authority, never as a host field.
    expect(origin.upgrades[0]![':authority']).toBe(new URL(proxy.h2race.proxy.url).host);
    expect(origin.upgrades[0]!.host).toBeUndefined();
    // No RFC 6455 handshake upstream: the key and accept belong to HTTP/1.1.
    expect(origin.upgrades[0]!['sec-websocket-key']).toBeUndefined();

    await exchangeAll(ws);

    // A second tunnel on the same connection; the client closes it.
    await clientClosesSecond((await open(session, '/chat?room=2')).ws, origin);
    // Both tunnels were streams of one upstream connection.
    expect(origin.connections).toBe(1);
    await waitFor('both tunnels\' records', () => proxy.ends.length === 2);
    expect(proxy.ends.map((e) => [e.method, e.path, e.status, e.outcome, e.attempts])).toEqual([
      ['CONNECT', '/chat?room=1', 200, 'completed', 1],
      ['CONNECT', '/chat?room=2', 200, 'completed', 1],
    ]);
    expect(proxy.ends[0]!.upstreamId).toBe(proxy.ends[1]!.upstreamId);
  });

  test('the tunnel is one CONNECT stream in the log with its exact bytes each way, on the upstream session that carried it', async () => {
    const { proxy, session } = await setUp();
    const { ws } = await open(session, '/logged');
    await expectTunnelLogged(proxy, ws, '/logged');
  });

  test('a 16 MiB binary message arrives byte-exact, both ways', async () => {
    const { session } = await setUp();
    const { ws } = await open(session, '/big');
    await echoedByteExact(ws, patternBytes(11, 16 * 1024 * 1024));
  });

  test('flow control end to end, both ways: a side that reads nothing holds the writer to the windows between them; all of it arrives once it reads', async () => {
    const { origin, session } = await setUp();
    // Raw bytes on both ends (no WebSocket on either), each end paused until the test reads it.
    const { stream } = await openH2Tunnel(session, '/raw');
    const source = origin.tunnels[0]!;
    // Each way: the upstream stream window (upstream initialWindowSize, 1 MiB) or the client's
    // stream window toward h2race (downstream initialWindowSize, 1 MiB), plus what h2race and the
    // reader hold (64 KiB stream queues and windows), in 64 KiB writes: far below the 32 MiB sent.
    const bound = 1024 * 1024 + 4 * 64 * 1024;
    for (const [writer, reader] of [[source, stream], [stream, source]] as const) {
      const payload = patternBytes(writer === source ? 5 : 6, 32 * 1024 * 1024);
      const sent = writeAll(writer, payload);
      // Time for a proxy without flow control to take all 32 MiB (it would, at loopback speed).
      await new Promise((r) => setTimeout(r, 500));
      expect(sent.taken()).toBeGreaterThan(0);
      expect(sent.taken()).toBeLessThan(bound);
      const received = await readBytes(reader, payload.length);
      expect(sha256(received)).toBe(sha256(payload));
    }
  });

  test('the origin refusing the tunnel: its 403 and body reach the client', async () => {
    const { proxy, session } = await setUp();
    const answer = await refusedH2WebSocket(session, '/forbidden');
    expect(answer).toMatchObject({ status: 403, body: 'forbidden\n' });
    expect(answer.headers).toMatchObject({ 'x-origin': 'ws', via: '2 h2race' });
    await waitFor('the stream-end record', () => proxy.ends.length === 1);
    expect(proxy.ends[0]).toMatchObject({ method: 'CONNECT', status: 403, outcome: 'completed' });
  });

  test('a client cancel of one tunnel resets that upstream stream only: the other tunnel and a plain request on the same session go on', async () => {
    const { origin, proxy, session } = await setUp();
    const doomed = await open(session, '/doomed');
    const bystander = await open(session, '/bystander');
    await roundTrip(doomed.ws, 'before');
    await roundTrip(bystander.ws, 'before');
    doomed.stream.close(0x8);
    await waitFor('the origin to see the cancelled tunnel end', () => origin.closes.length === 1);
    expect(origin.closes[0]!.code).toBe(1006);
    expect(origin.tunnels[0]!.rstCode).toBe(0x8);
    await waitFor('the cancelled tunnel\'s record', () => proxy.ends.length === 1);
    expect(proxy.ends[0]).toMatchObject({ path: '/doomed', outcome: 'cancelled-by-client', rstCode: 0x8 });

    await echoedByteExact(bystander.ws, patternBytes(2, 1 << 20));
    expect(await get(session, '/plain')).toEqual({ status: 200, body: 'plain /plain\n' });
    await roundTrip((await open(session, '/after')).ws, 'a new tunnel');
    // One upstream connection carried all of it.
    expect(origin.connections).toBe(1);
    expect(origin.streams.map((s) => [s.method, s.path, s.connection])).toEqual([
      ['CONNECT', '/doomed', 0],
      ['CONNECT', '/bystander', 0],
      ['GET', '/plain', 0],
      ['CONNECT', '/after', 0],
    ]);
    expect(origin.open.size).toBe(2);
    expect(session.destroyed).toBe(false);
  });

  test('an origin reset of one tunnel resets that downstream stream only', async () => {
    const { origin, proxy, session } = await setUp();
    const doomed = await open(session, '/doomed');
    const bystander = await open(session, '/bystander');
    await roundTrip(doomed.ws, 'before');
    const gone = closed(doomed.ws);
    // A bare RST_STREAM, no END_STREAM before it (node:http2's close() would end the stream first).
    origin.tunnels[0]!.destroy();
    expect((await gone).code).toBe(1006);
    // The proxy had sent the 200: the client hears of the broken tunnel as INTERNAL_ERROR.
    expect(doomed.stream.rstCode).toBe(0x2);
    await waitFor('the broken tunnel\'s record', () => proxy.ends.length === 1);
    expect(proxy.ends[0]).toMatchObject({ path: '/doomed', outcome: 'upstream-error', rstCode: 0x2 });
    await roundTrip(bystander.ws, 'still here');
    expect(await get(session, '/plain')).toEqual({ status: 200, body: 'plain /plain\n' });
    expect(origin.connections).toBe(1);
  });

  test('the origin\'s graceful GOAWAY leaves its open tunnel going; a new tunnel goes on a new upstream session', async () => {
    const { origin, proxy, session } = await setUp();
    const old = await open(session, '/old');
    await roundTrip(old.ws, 'before');
    let heard = false;
    proxy.events.on('goaway', (g) => (heard ||= g.side === 'upstream' && g.received));
    origin.goaway();
    await waitFor('h2race to hear the origin\'s GOAWAY', () => heard);
    const fresh = await open(session, '/new');
    await roundTrip(fresh.ws, 'on the new session');
    await echoedByteExact(old.ws, patternBytes(3, 1 << 20));
    expect(origin.streams.map((s) => [s.path, s.connection])).toEqual([['/old', 0], ['/new', 1]]);
    const byClient = closed(old.ws);
    old.ws.close(1000);
    expect((await byClient).code).toBe(1000);
    await roundTrip(fresh.ws, 'still here');
  });

  test('latency on both links: a round trip through the tunnel takes at least the two one-way delays', async () => {
    const up = 70;
    const down = 110;
    const rtts = async (opts: { toxics?: ToxicInput[] }) => {
      const { session } = await setUp(opts);
      const { ws } = await open(session, '/rtt');
      const out: number[] = [];
      for (let i = 0; i < 3; i++) out.push(await roundTrip(ws, `message ${i}`));
      return out;
    };
    const without = await rtts({});
    const withLatency = await rtts({
      toxics: [
        { type: 'latency', stream: 'upstream', attributes: { latency: up } },
        { type: 'latency', stream: 'downstream', attributes: { latency: down } },
      ],
    });
    const ms = (list: number[]) => list.map((t) => t.toFixed(1)).join(', ');
    console.info(`WebSocket RFC 8441 → RFC 8441 (${tls ? 'h2' : 'h2c'} origin) round trips: ${ms(without)} ms without toxics; ${ms(withLatency)} ms with latency ${up} ms up + ${down} ms down`);
    // Each link may release a piece up to RELEASE_EARLY_MS before its time (libuv's ms timers, centred on it).
    for (const rtt of withLatency) expect(rtt).toBeGreaterThanOrEqual(up + down - 2 * RELEASE_EARLY_MS);
  });
});

describe('an HTTP/2 origin that did not enable extended CONNECT', () => {
  test('h2c: 501 naming the missing setting, nothing sent upstream, the session still serves requests', async () => {
    const origin = await originOf(false, false);
    const proxy = await proxyTo(origin.url);
    const session = await proxy.session();
    const answer = await refusedH2WebSocket(session, '/chat');
    expect(answer.status).toBe(501);
    expect(answer.headers['x-h2race-error']).toBe('protocol');
    expect(answer.body).toBe(`h2race: origin ${new URL(origin.url).host} has not enabled extended CONNECT (no SETTINGS_ENABLE_CONNECT_PROTOCOL in its HTTP/2 SETTINGS): it takes no :protocol websocket stream\n`);
    expect(origin.streams).toEqual([]);
    expect(await get(session, '/plain')).toEqual({ status: 200, body: 'plain /plain\n' });
    await waitFor('the stream-end records', () => proxy.ends.length === 2);
    expect(proxy.ends[0]).toMatchObject({ method: 'CONNECT', status: 501, outcome: 'upstream-error' });
  });

  test('https speaking only h2: 501 naming both what it lacks', async () => {
    const origin = await originOf(true, false);
    const proxy = await proxyTo(origin.url);
    const answer = await refusedH2WebSocket(await proxy.session(), '/chat');
    expect(answer.status).toBe(501);
    expect(answer.body).toBe(`h2race: origin ${new URL(origin.url).host} offers no HTTP/1.1 (TLS ALPN) and has not enabled extended CONNECT on HTTP/2 (no SETTINGS_ENABLE_CONNECT_PROTOCOL): it takes no WebSocket\n`);
    expect(origin.streams).toEqual([]);
  });
});

describe('an https origin offering both HTTP/1.1 and h2 in ALPN', () => {
  test('with SETTINGS_ENABLE_CONNECT_PROTOCOL the tunnel is an extended CONNECT on its h2 session, beside the requests', async () => {
    const origin = await originOf(true, true, true);
    const proxy = await proxyTo(origin.url);
    const session = await proxy.session();
    expect(await get(session, '/plain')).toEqual({ status: 200, body: 'plain /plain\n' });
    const { ws } = await open(session, '/chat');
    await exchangeAll(ws);
    expect(origin.upgrades).toHaveLength(1);
    expect(origin.upgrades[0]).toMatchObject({ ':method': 'CONNECT', ':protocol': 'websocket' });
    expect(origin.streams.map((s) => [s.method, s.connection])).toEqual([['GET', 0], ['CONNECT', 0]]);
  });

  test('without it the tunnel goes as an RFC 6455 Upgrade over HTTP/1.1', async () => {
    const origin = await originOf(true, false, true);
    const proxy = await proxyTo(origin.url);
    const { ws } = await open(await proxy.session(), '/chat');
    await exchangeAll(ws);
    expect(origin.upgrades).toHaveLength(1);
    expect(origin.upgrades[0]).toMatchObject({ upgrade: 'websocket', connection: 'upgrade', 'sec-websocket-version': '13' });
    expect(origin.tunnels).toEqual([]);
    await waitFor('the tunnel\'s record', () => proxy.ends.length === 1);
    expect(proxy.ends[0]).toMatchObject({ method: 'CONNECT', path: '/chat', status: 200, outcome: 'completed' });
  });
});
