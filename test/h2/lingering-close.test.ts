/**
 * LingeringClose on real sockets (TCP and TLS): the peer reads our last bytes even while it is
 * still writing; the socket closes when the peer closes its side, or at the byte bound, or at the
 * time bound when the peer writes on slowly.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { LingerPhase, LingeringClose, type LingerPolicy } from '../../h2/proto/lingering-close.js';
import { testCert } from '../helpers/tls-cert.js';

const LAST_WORDS = Buffer.from('the last frame');

interface Pair {
  server: net.Socket;
  client: net.Socket;
  /** What the client read, and its socket errors. */
  read: Buffer[];
  errors: string[];
  clientClosed: Promise<void>;
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** `halfOpen`: the client never closes its side on our FIN (a peer that never stops). */
async function pair(useTls: boolean, halfOpen = false): Promise<Pair> {
  let accept!: (s: net.Socket) => void;
  const accepted = new Promise<net.Socket>((r) => (accept = r));
  let server: net.Server;
  let client: net.Socket;
  if (useTls) {
    const { certPath, keyPath } = await testCert();
    server = tls.createServer({ key: readFileSync(keyPath), cert: readFileSync(certPath) }, accept);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    // allowHalfOpen reaches the TLSSocket, though @types/node's tls.ConnectionOptions does not list it.
    client = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, allowHalfOpen: halfOpen } as tls.ConnectionOptions);
    await new Promise((r) => client.once('secureConnect', r));
  } else {
    server = net.createServer(accept);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    client = net.connect({ port: (server.address() as net.AddressInfo).port, host: '127.0.0.1', allowHalfOpen: halfOpen });
    await new Promise((r) => client.once('connect', r));
  }
  const socket = await accepted;
  cleanups.push(() => {
    client.destroy();
    socket.destroy();
    server.close();
  });
  const read: Buffer[] = [];
  const errors: string[] = [];
  client.on('data', (d: Buffer) => read.push(d));
  client.on('error', (e: NodeJS.ErrnoException) => errors.push(e.code ?? e.message));
  const clientClosed = new Promise<void>((r) => client.once('close', () => r()));
  return { server: socket, client, read, errors, clientClosed };
}

function closed(socket: net.Socket): Promise<void> {
  return socket.destroyed ? Promise.resolve() : new Promise((r) => socket.once('close', () => r()));
}

const policy = (p: Partial<LingerPolicy>): LingerPolicy => ({ timeMs: 60_000, bytes: 1 << 30, abandonedFlushMs: 250, ...p });

describe.each([false, true])('tls %s', (useTls) => {
  it('a peer writing without reading reads our last bytes, then closes its side: closed for peer-closed, no reset', async () => {
    const p = await pair(useTls);
    p.client.pause();
    const closer = new LingeringClose(p.server, policy({}));
    // The server's owner has stopped reading: the client's bytes pile up unread.
    p.server.pause();
    p.server.write(LAST_WORDS);
    closer.begin();
    expect(closer.phase).toBe(LingerPhase.Flushing);
    for (let i = 0; i < 32; i++) await new Promise<void>((r) => p.client.write(Buffer.alloc(16 * 1024, i), () => r()));
    p.client.resume(); // reads our bytes and FIN; a peer with allowHalfOpen off then ends its side
    await closed(p.server);
    await p.clientClosed;
    expect(Buffer.concat(p.read)).toEqual(LAST_WORDS);
    expect(p.errors).toEqual([]);
    expect(closer.ended).toBe('peer-closed');
    expect(closer.droppedBytes).toBe(32 * 16 * 1024);
  });

  it('a peer that writes on past the byte bound is closed at it', async () => {
    const p = await pair(useTls, true);
    const closer = new LingeringClose(p.server, policy({ bytes: 64 * 1024 }));
    closer.begin();
    const serverClosed = closed(p.server);
    let stopped = false;
    void serverClosed.then(() => (stopped = true));
    for (let i = 0; i < 1000 && !stopped && !p.client.destroyed; i++) {
      await new Promise<void>((r) => p.client.write(Buffer.alloc(16 * 1024), () => r()));
    }
    await serverClosed;
    expect(closer.ended).toBe('bytes');
    expect(closer.droppedBytes).toBeGreaterThan(64 * 1024);
  });

  it('a peer that trickles bytes forever is closed at the time bound', async () => {
    const p = await pair(useTls, true);
    const closer = new LingeringClose(p.server, policy({ timeMs: 200 }));
    closer.begin();
    const serverClosed = closed(p.server);
    const trickle = setInterval(() => p.client.writable && p.client.write('x'), 10);
    cleanups.push(() => clearInterval(trickle));
    await serverClosed;
    expect(closer.ended).toBe('time');
  });
});
