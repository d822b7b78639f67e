/**
 * Both ends ours: the engine's client role against the engine's server role (test/h2/test-app.ts),
 * over TLS (ALPN h2) and h2c. Bodies and trailers both ways, 100-continue, the server's stream
 * limit binding (the engine server refuses beyond it, so queuing must hold), a client reset the
 * server hears, a graceful server close, and every client frame born in and returned to its pool.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../h2/frame/constants.js';
import { AllocatingPool, type FramePool, type Lease, type LeaseOwner } from '../../../h2/proto/frame-pool.js';
import type { ClientConnectionOptions } from '../../../h2/proto/client-connection.js';
import type { ConnectionOptions } from '../../../h2/proto/connection-options.js';
import { sha256 } from '../../helpers/bytes.js';
import { waitFor } from '../../helpers/wait.js';
import { startEngineServer, type EngineServer } from '../engine-server.js';
import { createTestApp, patternBytes, type TestApp } from '../test-app.js';
import { connectClient, exchange, fieldOf, requestAllQueued, type ConnectedClient } from './engine-client.js';

/** Counts each lease's writeDone: every frame the client makes must come back exactly once. */
class CountingPool implements FramePool {
  private readonly inner = new AllocatingPool();
  readonly owners: LeaseOwner[] = [];
  readonly done = new Map<Lease, number>();
  acquire(length: number, owner: LeaseOwner): Lease {
    const lease = this.inner.acquire(length, owner);
    this.owners.push(owner);
    this.done.set(lease, 0);
    return lease;
  }
  writeDone(lease: Lease): void {
    this.done.set(lease, this.done.get(lease)! + 1);
  }
  streamReset(): void {}
}

let server: EngineServer | undefined;
let app: TestApp;
const clients: ConnectedClient[] = [];

async function start(useTls: boolean, options?: ConnectionOptions): Promise<EngineServer> {
  app = createTestApp();
  server = await startEngineServer(app, { tls: useTls, options });
  return server;
}

function connect(useTls: boolean, options?: ClientConnectionOptions): ConnectedClient {
  const client = connectClient(server!.port, useTls, options);
  clients.push(client);
  return client;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.socket.destroy();
  await server?.close();
  server = undefined;
});

for (const useTls of [true, false]) {
  describe(useTls ? 'TLS (ALPN h2)' : 'h2c (prior knowledge)', () => {
    it('GET and a 1 MiB download with content-length', async () => {
      await start(useTls);
      const { connection } = connect(useTls);
      const small = exchange(connection, '/');
      const big = exchange(connection, `/bytes/${1 << 20}`);
      expect(await small.done).toEqual({ kind: 'end' });
      expect(small.body().toString()).toBe('ok');
      expect(await big.done).toEqual({ kind: 'end' });
      expect(big.body().equals(patternBytes(1 << 20))).toBe(true);
    });

    it('echoes 5 MiB with trailers both ways, SHA-256 checked', async () => {
      await start(useTls);
      const { connection } = connect(useTls);
      const body = patternBytes(5 << 20);
      const ex = exchange(connection, '/echo', { body, trailers: ['x-note', 'from-client'] });
      expect(await ex.done).toEqual({ kind: 'end' });
      expect(sha256(ex.body())).toBe(sha256(body));
      expect(fieldOf(ex.trailers, 'x-sha256')).toBe(sha256(body));
      expect(fieldOf(ex.trailers, 'x-bytes')).toBe(String(body.length));
      expect(fieldOf(ex.trailers, 'x-got-x-note')).toBe('from-client');
    });
  });
}

describe('h2c, both ends ours', () => {
  it('100-continue: the body follows the 100 head', async () => {
    await start(false);
    const { connection } = connect(false);
    const body = patternBytes(70_000);
    const ex = exchange(connection, '/continue', { body, fields: ['expect', '100-continue'], waitForContinue: true });
    expect(await ex.done).toEqual({ kind: 'end' });
    expect(ex.informational.map((h) => h.status)).toEqual([100]);
    expect(sha256(ex.body())).toBe(sha256(body));
  });

  it('200 requests through the server limit of 10: queued by the client, none refused', async () => {
    await start(false, { settings: { maxConcurrentStreams: 10 } });
    const run = await requestAllQueued(server!.port, false, Array.from({ length: 200 }, (_, i) => `/bytes/${1000 + i}`));
    clients.push(run.client);
    expect(run.firstBatch).toBe(10);
    expect(run.maxActive).toBe(10);
    expect(run.outcomes.filter((o) => o.kind !== 'end')).toEqual([]);
    run.exchanges.forEach((e, i) => expect(e.received).toBe(1000 + i));
  });

  it('a client reset reaches the server as the peer\'s CANCEL', async () => {
    await start(false);
    const { connection } = connect(false);
    const held = exchange(connection, '/hold');
    await waitFor('the held response', () => held.received === 4);
    held.stream.reset();
    expect(held.stream.closed).toBe(true);
    await waitFor('the server to hear the reset', () => app.streams[0]?.reset !== undefined);
    expect(app.streams[0]!.reset).toEqual({ code: ErrorCode.CANCEL, cause: 'peer' });
    const after = exchange(connection, '/');
    expect(await after.done).toEqual({ kind: 'end' });
  });

  it('a graceful server close: the stream in flight finishes, the connection takes no more requests', async () => {
    await start(false);
    const goaways: number[] = [];
    const { connection } = connect(false, { observer: { onGoawayReceived: (g) => goaways.push(g.lastStreamId) } });
    // An upload still open when the server starts closing: it must finish on the same connection.
    let ended!: (how: string) => void;
    const done = new Promise<string>((r) => (ended = r));
    let got = 0;
    const stream = connection.request(
      { method: 'POST', scheme: 'http', authority: 'localhost', path: '/echo' },
      {
        onResponse() {},
        onData(chunk) {
          got += chunk.length;
          stream.consumed(chunk.length);
        },
        onEnd: () => ended('end'),
        onReset: (code, cause) => ended(`reset ${code} ${cause}`),
      },
    );
    stream.write(patternBytes(1000));
    await waitFor('the echo', () => got === 1000);
    server!.connections[0]!.close();
    await waitFor('the final GOAWAY', () => goaways.length === 2);
    expect(connection.canRequest).toBe(false);
    stream.write(patternBytes(500));
    stream.end();
    expect(await done).toBe('end');
    expect(got).toBe(1500);
    expect(goaways).toEqual([2 ** 31 - 1, 1]);
  });

  it('every frame the client makes is born in its pool, owned by the connection, and done exactly once', async () => {
    await start(false);
    const pool = new CountingPool();
    const { connection, socket } = connect(false, { pool, id: 4242 });
    const body = patternBytes(1 << 20);
    const up = exchange(connection, '/echo', { body });
    const gets = [1, 2, 3].map(() => exchange(connection, '/'));
    const held = exchange(connection, '/hold');
    for (const e of [up, ...gets]) expect(await e.done).toEqual({ kind: 'end' });
    held.stream.reset();
    connection.close();
    await new Promise((r) => socket.once('close', r));
    expect(pool.owners.length).toBeGreaterThan(16);
    expect(pool.owners.every((o) => o.connection === 4242 && (o.streamId === 0 || o.streamId % 2 === 1))).toBe(true);
    expect([...pool.done.values()].every((n) => n === 1)).toBe(true);
  });
});
