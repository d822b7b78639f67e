/**
 * How a client stream's end gives back what it held: connection credit of bytes nobody will
 * consume, the request body still queued, and — the Jetty race window on the upstream side —
 * the pool hearing of a server's reset while the stream's frames are still being written.
 */
import { once } from 'node:events';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { clientConnection } from '../../../h2/client.js';
import { ErrorCode, FrameType } from '../../../h2/frame/constants.js';
import { AllocatingPool, type FramePool, type Lease, type LeaseOwner } from '../../../h2/proto/frame-pool.js';
import { randomBody, sha256 } from '../../helpers/bytes.js';
import { dataFrame, encodeHeaderBlock, headersFrame, rstFrame } from '../../helpers/raw-h2.js';
import { waitFor } from '../../helpers/wait.js';
import { HoldingTransport } from '../holding-transport.js';
import { connectClient, exchange, type ConnectedClient } from './engine-client.js';
import { startRawServer, type RawServer } from './raw-server.js';

/** Counts, per lease, the engine's writeDone and streamReset calls. */
class LeaseCounter implements FramePool {
  private readonly inner = new AllocatingPool();
  readonly leases: Lease[] = [];
  readonly writeDones = new Map<Lease, number>();
  readonly streamResets = new Map<Lease, number>();
  acquire(length: number, owner: LeaseOwner): Lease {
    const lease = this.inner.acquire(length, owner);
    this.leases.push(lease);
    return lease;
  }
  writeDone(lease: Lease): void {
    this.writeDones.set(lease, (this.writeDones.get(lease) ?? 0) + 1);
  }
  streamReset(lease: Lease): void {
    this.streamResets.set(lease, (this.streamResets.get(lease) ?? 0) + 1);
  }
}

let nodeServer: http2.Http2Server | undefined;
let raw: RawServer | undefined;
const sockets: net.Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  if (nodeServer) {
    const server = nodeServer;
    nodeServer = undefined;
    await new Promise((r) => server.close(r));
  }
  await raw?.close();
  raw = undefined;
});

function track(client: ConnectedClient): ConnectedClient {
  sockets.push(client.socket);
  return client;
}

describe('a client stream that ends gives back what it held', () => {
  it('a reset stream with unconsumed bytes returns them to the connection window: the other stream completes', async () => {
    const body = randomBody(200_000, 9);
    nodeServer = http2.createServer();
    nodeServer.on('stream', (stream, headers) => {
      stream.on('error', () => {});
      const out = headers[':path'] === '/big' ? body : Buffer.from('small');
      stream.respond({ ':status': 200, 'content-length': out.length });
      stream.end(out);
    });
    nodeServer.on('session', (s) => s.on('error', () => {}));
    nodeServer.listen(0, '127.0.0.1');
    await once(nodeServer, 'listening');
    const port = (nodeServer.address() as net.AddressInfo).port;
    // One window for the whole connection, the size of one stream's: /big alone can fill it.
    const { connection } = track(connectClient(port, false, { settings: { initialWindowSize: 65_535 }, connectionWindowSize: 65_535 }));
    const big = exchange(connection, '/big', { autoConsume: false });
    await waitFor('the connection window to fill', () => big.received === 65_535);
    const small = exchange(connection, '/small');
    await waitFor('the small response head', () => small.status === 200);
    expect(small.received).toBe(0);
    big.stream.reset();
    expect(await small.done).toEqual({ kind: 'end' });
    expect(small.body().toString()).toBe('small');
    expect(sha256(big.body())).toBe(sha256(body.subarray(0, 65_535)));
  });

  it('an early complete response, then RST_STREAM(NO_ERROR): the handler hears onEnd, then the reset; the rest of the upload is dropped', async () => {
    raw = await startRawServer((id) =>
      Buffer.concat([headersFrame(id, encodeHeaderBlock([[':status', '413']]), { endStream: false }), dataFrame(id, Buffer.from('too big'), true), rstFrame(id, ErrorCode.NO_ERROR)]),
    );
    const { connection } = track(connectClient(raw.port, false));
    const heard: string[] = [];
    let finished!: () => void;
    const done = new Promise<void>((r) => (finished = r));
    const stream = connection.request(
      { method: 'POST', scheme: 'http', authority: 'x', path: '/upload' },
      {
        onResponse: (status) => heard.push(`response ${status}`),
        onData: (chunk) => heard.push(`data ${chunk.toString()}`),
        onEnd: () => heard.push('end'),
        onReset(code, cause) {
          heard.push(`reset ${code} ${cause}`);
          finished();
        },
      },
    );
    stream.write(Buffer.alloc(1000));
    await done;
    expect(heard).toEqual(['response 413', 'data too big', 'end', `reset ${ErrorCode.NO_ERROR} peer`]);
    expect(stream.closed).toBe(true);
    expect(stream.write(Buffer.alloc(10))).toBe(false);
    expect(connection.activeStreams).toBe(0);
  });

  it('a server reset while the request body\'s frames are still being written: the pool hears of each pending lease once', async () => {
    raw = await startRawServer(() => Buffer.alloc(0));
    const pool = new LeaseCounter();
    const socket = net.connect({ host: '127.0.0.1', port: raw.port });
    sockets.push(socket);
    const transport = new HoldingTransport(socket);
    let settingsCame!: () => void;
    const settings = new Promise<void>((r) => (settingsCame = r));
    const connection = clientConnection(transport, { pool, observer: { onSettings: () => settingsCame() } });
    await settings;
    let resetHeard: string | undefined;
    const stream = connection.request(
      { method: 'POST', scheme: 'http', authority: 'x', path: '/up' },
      { onResponse() {}, onReset: (code, cause) => (resetHeard = `${code} ${cause}`) },
    );
    await waitFor('the request head at the server', () => raw!.received.some((f) => f.type === FrameType.HEADERS && f.streamId === 1));
    transport.holding = true;
    stream.write(Buffer.alloc(40_000, 1));
    await waitFor('the body held in the transport', () => transport.heldBytes >= 40_000);
    const pendingData = pool.leases.filter((l) => l.owner.streamId === 1 && l.owner.frameType === FrameType.DATA);
    expect(pendingData.length).toBeGreaterThan(0);
    expect(pendingData.every((l) => !pool.writeDones.has(l))).toBe(true);
    raw.send(rstFrame(1, ErrorCode.CANCEL));
    await waitFor('the reset', () => resetHeard !== undefined);
    expect(resetHeard).toBe(`${ErrorCode.CANCEL} peer`);
    expect(pendingData.map((l) => pool.streamResets.get(l))).toEqual(pendingData.map(() => 1));
    transport.release();
    await waitFor('every lease written', () => pool.leases.every((l) => pool.writeDones.get(l) === 1));
    expect([...pool.streamResets.keys()].every((l) => l.owner.streamId === 1)).toBe(true);
  });
});
