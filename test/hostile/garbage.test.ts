/**
 * Garbage where a protocol is expected: on the proxy's TLS and h2c ports (plain HTTP, random
 * bytes, a handshake that stops halfway) and on the Toxiproxy admin API (seeded junk bodies of
 * every shape to every route; the API engineer's tests cover the exact error texts). Each bad peer
 * is turned away; honest traffic keeps working byte-exact.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameType, errorCodeName } from '../../h2/frame/constants.js';
import { SeededRandom } from '../../faults/random.js';
import { startApiServer, type ApiServer } from '../../api/api-server.js';
import { silentLogger } from '../../proxy/log.js';
import { connectRaw } from '../helpers/raw-h2.js';
import { checkedGet, startBystander, startRig, type Rig } from './rig.js';

const HANDSHAKE_TIMEOUT_MS = 1000;
let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ proxy: { h2cListen: '127.0.0.1:0', downstream: { tlsHandshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS } } });
});
afterAll(async () => {
  await rig.close();
  expect(rig.pool.stats().inUse).toBe(0);
});

/** Sends `bytes` on a fresh TCP connection and resolves once the proxy has closed it. */
function sendAndAwaitClose(port: number, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write(bytes));
    const got: Buffer[] = [];
    socket.on('data', (c: Buffer) => got.push(c));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(got));
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('the proxy kept a garbage connection open for 5 s'));
    }, 5000);
  });
}

describe('garbage on the proxy ports', () => {
  it('plain HTTP/1.1 on the TLS port: the TLS handshake fails, the connection is closed', async () => {
    const bystander = await startBystander(rig);
    await sendAndAwaitClose(rig.port, Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
    await bystander.finish();
  });

  it('seeded random bytes on the TLS port and on the h2c port: closed every time, nothing forwarded', async () => {
    const bystander = await startBystander(rig);
    const before = rig.originRequests;
    const random = new SeededRandom(8, 'garbage');
    const h2cPort = rig.proxy.h2cAddress!.port;
    for (let i = 0; i < 20; i++) {
      const bytes = Buffer.alloc(random.int(1, 4096));
      for (let j = 0; j < bytes.length; j++) bytes[j] = random.int(0, 255);
      await sendAndAwaitClose(i % 2 === 0 ? rig.port : h2cPort, bytes);
    }
    expect(rig.originRequests - before).toBe(1); // the bystander's download only
    await bystander.finish();
  });

  it('an HTTP/1.1 request on the h2c port: GOAWAY(PROTOCOL_ERROR)', async () => {
    const c = await connectRaw({ port: rig.proxy.h2cAddress!.port, tls: false, preface: false });
    await c.send(Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
    expect(await c.waitForClose(5000)).toBe(true);
    expect(c.goaway && errorCodeName(c.goaway.errorCode)).toBe('PROTOCOL_ERROR');
    expect(c.count(FrameType.HEADERS)).toBe(0);
  });

  it('garbage inside TLS after ALPN http/1.1: the HTTP/1.1 side closes it', async () => {
    const socket = tls.connect({ host: '127.0.0.1', port: rig.port, ALPNProtocols: ['http/1.1'], rejectUnauthorized: false });
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('secureConnect', resolve));
    socket.write(Buffer.from('\x00\x01garbage\r\n\r\n', 'latin1'));
    await new Promise((resolve) => socket.once('close', resolve));
  });

  it('twenty half handshakes do not stop honest clients, and the handshake timeout closes them', async () => {
    const hello = await clientHelloPrefix();
    const started = performance.now();
    const half = await Promise.all(
      Array.from({ length: 20 }, () => new Promise<net.Socket>((resolve) => {
        const s = net.connect({ host: '127.0.0.1', port: rig.port }, () => {
          s.write(hello);
          resolve(s);
        });
        s.on('error', () => {});
      })),
    );
    const closed = half.map((s) => new Promise<number>((resolve) => s.once('close', () => resolve(performance.now() - started))));
    const session = await rig.client();
    for (let i = 0; i < 5; i++) await checkedGet(session, 10_000);
    const closedAfter = await Promise.all(closed);
    expect(Math.min(...closedAfter)).toBeGreaterThanOrEqual(HANDSHAKE_TIMEOUT_MS * 0.9);
    expect(Math.max(...closedAfter)).toBeLessThan(HANDSHAKE_TIMEOUT_MS + 10_000);
  });
});

/** The first half of a real TLS ClientHello (recorded from node's own client). */
async function clientHelloPrefix(): Promise<Buffer> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const captured = new Promise<Buffer>((resolve) => server.once('connection', (s) => s.once('data', (d: Buffer) => {
    resolve(d);
    s.destroy();
  })));
  const client = tls.connect({ host: '127.0.0.1', port, ALPNProtocols: ['h2'], rejectUnauthorized: false });
  client.on('error', () => {});
  const hello = await captured;
  client.destroy();
  await new Promise((resolve) => server.close(resolve));
  return hello.subarray(0, Math.floor(hello.length / 2));
}

describe('garbage on the admin API', () => {
  let api: ApiServer;
  let echoServer: net.Server;
  beforeAll(async () => {
    api = await startApiServer({ host: '127.0.0.1', port: 0, logger: silentLogger() });
    echoServer = net.createServer((s) => {
      s.on('error', () => {});
      s.pipe(s);
    });
    await new Promise<void>((resolve) => echoServer.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await api.close();
    await new Promise((resolve) => echoServer.close(resolve));
  });

  /** Bytes through an API-made TCP proxy to the echo server come back whole. */
  async function echoThrough(listen: string): Promise<void> {
    const port = Number(listen.slice(listen.lastIndexOf(':') + 1));
    const payload = Buffer.from('h2race keeps working\n'.repeat(100));
    const socket = net.connect({ host: '127.0.0.1', port });
    const got: Buffer[] = [];
    let length = 0;
    await new Promise<void>((resolve, reject) => {
      socket.on('error', reject);
      socket.on('data', (c: Buffer) => {
        got.push(c);
        length += c.length;
        if (length >= payload.length) resolve();
      });
      socket.write(payload);
    });
    socket.destroy();
    expect(Buffer.concat(got).equals(payload)).toBe(true);
  }

  it("200 seeded junk requests: no 5xx but Toxiproxy's bind errors, the server and an existing proxy keep working", async () => {
    const echo = `127.0.0.1:${(echoServer.address() as net.AddressInfo).port}`;
    const created = await fetch(`${api.url}/proxies`, { method: 'POST', body: JSON.stringify({ name: 'keep', listen: '127.0.0.1:0', upstream: echo }) });
    expect(created.status).toBe(201);
    const { listen } = (await created.json()) as { listen: string };
    const random = new SeededRandom(8, 'api-junk');
    const routes: Array<[string, string]> = [
      ['POST', '/proxies'],
      ['POST', '/populate'],
      ['POST', '/proxies/keep'],
      ['PATCH', '/proxies/keep'],
      ['POST', '/proxies/keep/toxics'],
      ['POST', '/proxies/ghost/toxics'],
      ['POST', '/reset'],
    ];
    const statuses = new Map<number, number>();
    for (let i = 0; i < 200; i++) {
      const [method, path] = routes[random.int(0, routes.length - 1)]!;
      const body = junkBody(random);
      const res = await fetch(api.url + path, { method, body });
      const text = await res.text();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      // Toxiproxy answers a failed bind (a junk listen address) with 500 and the bind error; nothing else may be a 5xx.
      if (res.status >= 500) expect(text, `${method} ${path} ${body.slice(0, 120)}`).toMatch(/^\{"error":"listen tcp/);
    }
    // Junk that happened to be valid may have changed 'keep' (e.g. disabled it): put it back, then check traffic.
    await fetch(`${api.url}/proxies/keep`, { method: 'POST', body: JSON.stringify({ enabled: true, listen, upstream: echo }) });
    await fetch(`${api.url}/reset`, { method: 'POST' });
    const version = await fetch(`${api.url}/version`);
    expect(version.status).toBe(200);
    await echoThrough(listen);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    console.log('admin API junk: statuses', Object.fromEntries(statuses));
  });
});

/** A junk body: broken JSON, wrong types, odd numbers, deep nesting, prototype keys, big arrays. */
function junkBody(random: SeededRandom): string {
  const values: Array<() => unknown> = [
    () => random.int(-1e9, 1e9),
    () => random.next() * 1e308 * (random.next() < 0.5 ? -1 : 1),
    () => 'x'.repeat(random.int(0, 3000)),
    () => null,
    () => true,
    () => [1, 'a', null],
    () => ({ nested: { deeper: [{}] } }),
  ];
  const value = (): unknown => values[random.int(0, values.length - 1)]!();
  const fields = ['name', 'listen', 'upstream', 'enabled', 'type', 'stream', 'toxicity', 'attributes', 'latency', '__proto__', 'constructor'];
  const shapes: Array<() => string> = [
    () => '{' + 'x'.repeat(random.int(0, 50)),
    () => '['.repeat(random.int(1, 5000)),
    () => JSON.stringify(Object.fromEntries(Array.from({ length: random.int(1, 6) }, () => [fields[random.int(0, fields.length - 1)]!, value()]))),
    () => JSON.stringify({ type: 'latency', attributes: value(), toxicity: value(), stream: value() }),
    () => JSON.stringify({ name: value(), listen: value(), upstream: value(), enabled: value() }),
    () => JSON.stringify(Array.from({ length: random.int(0, 2000) }, () => ({ name: value(), upstream: value() }))),
    () => '{"__proto__": {"polluted": true}, "name": 1}',
    () => '\u0000\uffff' + String.fromCharCode(random.int(0, 0xd7ff)),
    () => '',
  ];
  return shapes[random.int(0, shapes.length - 1)]!();
}
