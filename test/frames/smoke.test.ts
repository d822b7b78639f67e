import { describe, expect, it } from 'vitest';
import { createBufferPool } from '../../faults/pool/create-pool.js';
import { POOL_MODES } from '../../faults/pool/types.js';
import { closeClient, closeFrameServerAfterEach, connect, get, startFrameServer, type FrameServer } from './harness.js';

let server: FrameServer | undefined;
closeFrameServerAfterEach(() => {
  const s = server;
  server = undefined;
  return s;
});

describe.each([false, true])('frame path smoke (tls=%s)', (tls) => {
  it('serves requests through the frame path', async () => {
    const body = Buffer.alloc(200_000, 7);
    server = await startFrameServer({
      tls,
      pool: createBufferPool('retain'),
      handler: (stream) => {
        stream.respond({ ':status': 200 });
        stream.end(body);
      },
    });
    const client = connect(server);
    const results = await Promise.all([get(client, '/a'), get(client, '/b')]);
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(r.body.equals(body)).toBe(true);
    }
    await closeClient(client);
  });
});

describe.each(POOL_MODES)('pool %s: a client that vanishes mid-download', (mode) => {
  it('ends every lease of its connection, with the link still holding frames', async () => {
    const body = Buffer.alloc(4 * 1024 * 1024, 5);
    server = await startFrameServer({
      tls: false,
      pool: createBufferPool(mode),
      toxics: [{ type: 'bandwidth', stream: 'downstream', attributes: { rate: 1000 } }],
      handler: (stream) => {
        stream.on('error', () => {});
        stream.respond({ ':status': 200 });
        stream.end(body);
      },
    });
    const client = connect(server, { initialWindowSize: 8 * 1024 * 1024 });
    client.once('connect', () => client.setLocalWindowSize(16 * 1024 * 1024));
    const req = client.request({ ':path': '/' });
    req.on('error', () => {});
    await new Promise((resolve) => req.once('data', resolve));
    const path = server.paths[0]!;
    expect(path.pendingBytes).toBeGreaterThan(0);
    expect(server.pool.stats().inUse).toBeGreaterThan(0);
    const closed = new Promise<void>((resolve) => path.events.once('close', resolve));
    client.destroy();
    await closed;
    expect(path.pendingBytes).toBe(0);
    expect(server.pool.stats().inUse).toBe(0);
  });
});

describe.each([false, true])('a link toxic that resets the connection (tls=%s)', (tls) => {
  it('reset_peer aborts the client connection; nothing leaks', async () => {
    server = await startFrameServer({
      tls,
      pool: createBufferPool('retain'),
      toxics: [{ type: 'reset_peer', stream: 'downstream', attributes: { timeout: 50 } }],
      handler: (stream) => {
        stream.on('error', () => {});
        stream.respond({ ':status': 200 });
        stream.end('never delivered');
      },
    });
    const client = connect(server);
    const closed = new Promise<void>((resolve) => client.once('close', resolve));
    const req = client.request({ ':path': '/' });
    req.on('error', () => {});
    await closed;
    await new Promise<void>((resolve) => (server!.paths[0]!.destroyed ? resolve() : server!.paths[0]!.events.once('close', resolve)));
    expect(server.pool.stats().inUse).toBe(0);
  });
});
