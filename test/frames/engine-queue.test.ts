/**
 * The engine's writer held at the link's bottleneck queue: the link holds at most its queue (plus
 * a frame) before the wire, DATA not framed yet stays in the stream's queue, and a client cancel
 * drops it there — nothing of the stream crosses the link after the reset. The race still finds
 * the cancelled stream's frames pending in the queue. Without a queue the engine runs up to its
 * send-ahead budget, as before.
 */
import * as http2 from 'node:http2';
import type * as net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FrameType } from '../../h2/frame/constants.js';
import { readFrameHeader } from '../../h2/frame/codec.js';
import type { ServerHandler } from '../../h2/proto/connection-options.js';
import { LinkTransport } from '../../proxy/frame-path/link-transport.js';
import { StreamWriteLedger } from '../../proxy/frame-path/stream-write-ledger.js';
import { createLink } from '../../faults/link/link.js';
import { ToxicSet } from '../../faults/link/toxic-set.js';
import type { Link } from '../../faults/link/types.js';
import { createBufferPool } from '../../faults/pool/create-pool.js';
import type { BufferPool } from '../../faults/pool/types.js';
import { SeededRandom } from '../../faults/random.js';
import { startEngineServer, type EngineServer } from '../h2/engine-server.js';

const BODY_BYTES = 4 * 1024 * 1024;
const SEND_AHEAD = 2 * 1024 * 1024;
const MAX_FRAME = 16_384 + 9;
/** 2 MB/s: the 4 MiB body takes ~2 s, far longer than the client waits before it cancels. */
const RATE_KBS = 2000;

/** The real LinkTransport, counting the DATA bytes of each stream it hands to its link. */
class CountingTransport extends LinkTransport {
  readonly dataBytes = new Map<number, number>();

  override write(bytes: Buffer, done?: (err?: Error | null) => void): void {
    const header = readFrameHeader(bytes);
    if (header.type === FrameType.DATA) this.dataBytes.set(header.streamId, (this.dataBytes.get(header.streamId) ?? 0) + header.length);
    super.write(bytes, done);
  }
}

interface Served {
  server: EngineServer;
  pool: BufferPool;
  link(): Link;
  /** Leases the pool heard of as reset while pending (the race window). */
  pendingAtReset(): number;
  transport(): CountingTransport;
  /** At the moment the engine heard the client's RST_STREAM. */
  atReset: Promise<{ dataBytes: number; backlog: number }>;
}

let served: Served | undefined;
afterEach(async () => {
  await served?.server.close();
  served = undefined;
});

async function serve(queue: string | undefined): Promise<Served> {
  const toxics = new ToxicSet([{ type: 'bandwidth', stream: 'downstream', attributes: { rate: RATE_KBS, ...(queue && { queue }) } }]);
  const pool = createBufferPool('release-on-reset');
  let pendingAtReset = 0;
  const streamReset = pool.streamReset.bind(pool);
  pool.streamReset = (lease) => {
    pendingAtReset++;
    streamReset(lease);
  };
  let link: Link | undefined;
  let transport: CountingTransport | undefined;
  let reportReset: (at: { dataBytes: number; backlog: number }) => void = () => {};
  const atReset = new Promise<{ dataBytes: number; backlog: number }>((resolve) => (reportReset = resolve));
  const handler: ServerHandler = {
    onStream(stream, head) {
      if (head.path === '/events') {
        // One small event, as an SSE stream sends beside a video.
        stream.respond(200, ['content-type', 'text/event-stream']);
        stream.write(Buffer.from('id: 1\ndata: tick\n\n'));
        stream.end();
        return {};
      }
      stream.respond(200, ['content-type', 'application/octet-stream']);
      let sent = 0;
      const next = (): void => {
        while (!stream.closed && sent < BODY_BYTES) {
          sent += 64 * 1024;
          if (!stream.write(Buffer.alloc(64 * 1024, 7))) return;
        }
        if (!stream.closed) stream.end();
      };
      next();
      return {
        onDrain: next,
        onReset: () => reportReset({ dataBytes: transport!.dataBytes.get(stream.id) ?? 0, backlog: link!.backlogBytes }),
      };
    },
  };
  const server = await startEngineServer(handler, {
    tls: false,
    options: { pool, maxSendAheadBytes: SEND_AHEAD },
    transport: (socket: net.Socket) => {
      link = createLink({
        direction: 'downstream',
        sink: (data, cb) => socket.write(data, cb),
        control: { end: () => socket.end(), reset: () => socket.destroy() },
        random: new SeededRandom(1, 'engine-queue'),
        toxics,
      });
      transport = new CountingTransport(socket, link, new StreamWriteLedger());
      return transport;
    },
  });
  return { server, pool, pendingAtReset: () => pendingAtReset, link: () => link!, transport: () => transport!, atReset };
}

/** Reads `before` bytes of the body, then cancels the stream; resolves once the link is empty. */
async function downloadAndCancel(s: Served, before: number): Promise<void> {
  const client = http2.connect(s.server.url, { settings: { initialWindowSize: 16 * 1024 * 1024 } });
  client.on('error', () => {});
  client.once('connect', () => client.setLocalWindowSize(32 * 1024 * 1024));
  const req = client.request({ ':path': '/video' });
  req.on('error', () => {});
  let received = 0;
  await new Promise<void>((resolve) => {
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received >= before && !req.closed) {
        req.close(http2.constants.NGHTTP2_CANCEL);
        resolve();
      }
    });
  });
  await s.atReset;
  await vi.waitFor(() => expect(s.link().queuedBytes).toBe(0), { timeout: 10_000, interval: 20 });
  client.destroy();
}

/** Serves with `queue` and cancels after `before` bytes: the link held at `limit`, a frame over at most. */
async function cancelHeldAt(queue: string, before: number, limit: number): Promise<Served> {
  const s = await serve(queue);
  served = s;
  await downloadAndCancel(s, before);
  expect(s.link().queueLimit).toBe(limit);
  expect(s.link().peakBacklogBytes).toBeGreaterThanOrEqual(limit);
  expect(s.link().peakBacklogBytes).toBeLessThanOrEqual(limit + MAX_FRAME);
  return s;
}

/** Body bytes of `req` received so far, and a promise of its end. */
function reading(req: http2.ClientHttp2Stream): { bytes: () => number; ended: Promise<void> } {
  let bytes = 0;
  req.on('data', (chunk: Buffer) => (bytes += chunk.length));
  return { bytes: () => bytes, ended: new Promise((resolve) => req.once('end', resolve)) };
}

describe('engine writer held at the link queue', () => {
  it('a small stream gets through a link held one frame at a time beside a saturating one', async () => {
    served = await serve('16kb');
    const client = http2.connect(served.server.url, { settings: { initialWindowSize: 16 * 1024 * 1024 } });
    client.on('error', () => {});
    client.once('connect', () => client.setLocalWindowSize(32 * 1024 * 1024));
    const video = reading(client.request({ ':path': '/video' }));
    await vi.waitFor(() => expect(video.bytes()).toBeGreaterThan(256 * 1024), { timeout: 10_000, interval: 10 });
    const before = video.bytes();
    const events = reading(client.request({ ':path': '/events' }));
    await events.ended;
    // The event went out with the next frames the link took, not after the 4 MiB video: the video
    // got at most what the queue held and what the link took until the event's turn.
    expect(events.bytes()).toBe(18);
    expect(video.bytes() - before).toBeLessThan(16_000 + 4 * MAX_FRAME);
    client.destroy();
  });

  it('a 64 KB queue: the link holds at most the queue and a frame; after the cancel nothing of the stream crosses the link', async () => {
    served = await cancelHeldAt('64kb', 128 * 1024, 64_000);
    const atReset = await served.atReset;
    expect(atReset.backlog).toBeLessThanOrEqual(64_000 + MAX_FRAME);
    // The stream's unsent data was dropped in the engine: the link got no more DATA of it.
    expect(served.transport().dataBytes.get(1)).toBe(atReset.dataBytes);
    expect(atReset.dataBytes).toBeLessThan(128 * 1024 + 64_000 + MAX_FRAME + 1024 * 1024);
    // The race still finds the stream's frames pending in the queue: the pool heard of their
    // reset while the link held them.
    expect(served.pendingAtReset()).toBeGreaterThan(0);
  });

  it('a queue as time at the rate: 100ms at 2 MB/s holds at 200 KB', async () => {
    served = await cancelHeldAt('100ms', 256 * 1024, 200_000);
  });

  it('without a queue the engine runs ahead up to its send-ahead budget, as before', async () => {
    served = await serve(undefined);
    await downloadAndCancel(served, 128 * 1024);
    expect(served.link().queueLimit).toBeUndefined();
    expect(served.link().peakBacklogBytes).toBeGreaterThan(SEND_AHEAD / 2);
  });
});
