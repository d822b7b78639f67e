/**
 * reset_peer's RST as Toxiproxy sends it: a connection that opens while a proxy has a reset_peer
 * toxic gets SO_LINGER 0 on both its sockets (link.go), so the client and the upstream both see
 * ECONNRESET, and every later close of that connection is an RST too, even at toxicity 0 (#603)
 * and after the toxic is gone. Real sockets on 127.0.0.1, toxics through toxiproxy-node-client.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Proxy } from 'toxiproxy-node-client';
import { waitFor } from '../helpers/wait.js';
import { exchange, portOf, Servers, startTestApi, type TestApi } from './harness.js';

type Outcome = 'end' | 'reset' | 'error' | 'open';

let t: TestApi;
const servers = new Servers();
/** How each upstream-side socket of the echo server ended (FIN or RST), in accept order. */
const upstreamEnds: Array<Outcome | undefined> = [];
let echo: Proxy;
let sender: Proxy;
const SENT = 10_000;
const clients = new Set<Socket>();

beforeAll(async () => {
  t = await startTestApi();
  const echoPort = await servers.start((s) => {
    const index = upstreamEnds.push(undefined) - 1;
    const settle = (outcome: Outcome) => (upstreamEnds[index] ??= outcome);
    s.on('end', () => settle('end'));
    s.on('error', (err: NodeJS.ErrnoException) => settle(err.code === 'ECONNRESET' ? 'reset' : 'error'));
    s.pipe(s);
  });
  echo = await t.client.createProxy({ name: 'echo', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echoPort}` });
  sender = await t.client.createProxy({ name: 'sender', listen: '127.0.0.1:0', upstream: `127.0.0.1:${await servers.sender(SENT)}` });
});
afterEach(async () => {
  for (const c of clients) c.destroy();
  clients.clear();
  await t.client.reset();
});
afterAll(async () => {
  await t.close();
  await servers.closeAll();
});

const resetPeer = (proxy: Proxy, toxicity: number, timeout: number) =>
  proxy.addToxic({ name: 'rp', type: 'reset_peer', stream: 'downstream', toxicity, attributes: { timeout } as never });

/** The outcome of the echo server's next accepted connection, once it has one. */
async function nextUpstreamEnd(run: () => Promise<void>): Promise<Outcome> {
  const index = upstreamEnds.length;
  await run();
  await waitFor('the upstream socket to close', () => upstreamEnds[index] !== undefined);
  return upstreamEnds[index]!;
}

function openClient(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    clients.add(socket);
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

function roundTrip(socket: Socket, text: string): Promise<string> {
  return new Promise((resolve) => {
    socket.once('data', (d: Buffer) => resolve(d.toString()));
    socket.write(text);
  });
}

describe('reset_peer on a TCP proxy', () => {
  it('resets both the client and the upstream connection (SO_LINGER 0 on both sockets)', async () => {
    await resetPeer(echo, 1, 100);
    let client: Awaited<ReturnType<typeof exchange>> | undefined;
    const upstream = await nextUpstreamEnd(async () => {
      client = await exchange(portOf(echo.listen), 'hello', { deadlineMs: 3000 });
    });
    expect(client!.ended).toBe('reset');
    expect(client!.data.length).toBe(0);
    expect(upstream).toBe('reset');
  });

  it('at toxicity 0 it never acts, yet a connection opened under it closes with an RST (Toxiproxy #603)', async () => {
    await resetPeer(sender, 0, 0);
    const underToxic = await exchange(portOf(sender.listen), 'go', { deadlineMs: 3000 });
    expect(underToxic.data.length).toBe(SENT);
    expect(underToxic.ended).toBe('reset');
    await t.client.reset();
    const clean = await exchange(portOf(sender.listen), 'go', { deadlineMs: 3000 });
    expect(clean.data.length).toBe(SENT);
    expect(clean.ended).toBe('end');
  });

  it('a connection opened under reset_peer still closes with an RST after the toxic is removed', async () => {
    const toxic = await resetPeer(echo, 0, 0);
    const upstream = await nextUpstreamEnd(async () => {
      const client = await openClient(portOf(echo.listen));
      expect(await roundTrip(client, 'ping')).toBe('ping');
      await toxic.remove();
      client.end();
    });
    expect(upstream).toBe('reset');
    // Without the toxic when it opened, the same close is a FIN.
    const plain = await nextUpstreamEnd(async () => {
      const client = await openClient(portOf(echo.listen));
      expect(await roundTrip(client, 'ping')).toBe('ping');
      client.end();
    });
    expect(plain).toBe('end');
  });

  it('added to a connection that opened without one, it resets the client and ends the upstream with a FIN', async () => {
    let clientEnd: Promise<Outcome> | undefined;
    const upstream = await nextUpstreamEnd(async () => {
      const client = await openClient(portOf(echo.listen));
      expect(await roundTrip(client, 'ping')).toBe('ping');
      clientEnd = new Promise((resolve) => {
        setTimeout(() => resolve('open'), 3000).unref();
        client.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNRESET' ? 'reset' : 'error'));
        client.once('end', () => resolve('end'));
      });
      await resetPeer(echo, 1, 0);
      client.write('pong');
      await clientEnd;
    });
    expect(await clientEnd).toBe('reset');
    expect(upstream).toBe('end');
  });
});
