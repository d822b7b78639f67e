/**
 * The upstream reads into reused buffers (h2/frame/read-buffers.ts) — an h2c origin's, and a TLS
 * one's when no link goes under it — and a response's DATA
 * travels as views of those reads into the downstream stream's queue, held there until copied into
 * a frame. A client that stops reading leaves views queued on its stream while another download
 * on the same upstream session goes on through reused buffers: every byte of both arrives as the
 * origin sent it (seeded bodies), and a reset or a closed client lets the held buffers go; through
 * h2race with its upstream link on, downloads arrive intact too.
 */
import type * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ReadBuffers } from '../../h2/frame/read-buffers.js';
import { ToxicSet } from '../../faults/link/toxic-set.js';
import { createProxyEvents } from '../../proxy/events.js';
import { startH2race } from '../../proxy/h2race.js';
import { silentLogger } from '../../proxy/log.js';
import { randomBody } from '../helpers/bytes.js';
import { collect, connectH2, request, startTestProxy, type TestProxy } from '../helpers/h2-client.js';
import { testCert } from '../helpers/tls-cert.js';
import { waitFor } from '../helpers/wait.js';

const MiB = 1024 * 1024;
const sessions: http2.ClientHttp2Session[] = [];
const bodies = new Map<string, Buffer>();

/** `seed`'s body of `size` bytes, made once. */
function body(seed: number, size: number): Buffer {
  const key = `${seed}/${size}`;
  let b = bodies.get(key);
  if (!b) bodies.set(key, (b = randomBody(size, seed)));
  return b;
}

/** GET /?seed=&size= → that seeded body; over TLS or h2c. */
async function startOrigin(secure: boolean): Promise<{ url: string; close(): Promise<void> }> {
  const handler = (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
    const q = new URL(req.url, 'http://x').searchParams;
    const bytes = body(Number(q.get('seed')), Number(q.get('size')));
    // In 64 KiB writes at the stream's pace: node:http2 refuses new streams (ENHANCE_YOUR_CALM)
    // once a session buffers more than its 10 MB, and a stalled client would make it buffer all.
    let at = 0;
    const pump = (): void => {
      while (at < bytes.length) {
        const chunk = bytes.subarray(at, (at += 64 * 1024));
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  };
  const settings = { initialWindowSize: MiB };
  const { cert, key } = await testCert();
  const server = secure ? http2.createSecureServer({ cert, key, settings }, handler) : http2.createServer({ settings }, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `${secure ? 'https' : 'h2c'}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

afterAll(() => {
  for (const s of sessions) s.destroy();
});

describe.each([{ origin: 'h2c', secure: false }, { origin: 'TLS h2', secure: true }])('$origin origin', ({ secure }) => {
  let origin: { url: string; close(): Promise<void> };
  let proxy: TestProxy;
  let reads: ReadBuffers;

  beforeAll(async () => {
    origin = await startOrigin(secure);
    proxy = await startTestProxy(origin.url);
    reads = proxy.upstream.h2!.readBuffers;
  });
  afterAll(async () => {
    await proxy.close();
    await origin.close();
  });

  /** A download that stops reading at its first chunk; what it got so far and later. */
  async function stalledDownload(session: http2.ClientHttp2Session, seed: number, size: number) {
    const stream = request(session, `/?seed=${seed}&size=${size}`);
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve) => {
      stream.on('data', (c: Buffer) => {
        if (chunks.length === 0) {
          stream.pause();
          resolve();
        }
        chunks.push(c);
      });
    });
    // The origin fills the upstream stream window; its DATA waits as views in the client's stream queue.
    await waitFor('response views held in the downstream queue', () => reads.held > 0);
    return { stream, chunks };
  }

  test('a read buffer is not read into again while a view of it waits in a stalled stream: both downloads arrive intact', async () => {
    const stalledClient = await connectH2(proxy.url);
    const busyClient = await connectH2(proxy.url);
    sessions.push(stalledClient, busyClient);
    const stalledSize = 4 * MiB;
    const stalled = await stalledDownload(stalledClient, 1, stalledSize);
    const reusedBefore = reads.reused;

    const busySize = 24 * MiB;
    const busy = await collect(request(busyClient, `/?seed=2&size=${busySize}`));
    expect(busy.status).toBe(200);
    expect(busy.body.equals(body(2, busySize))).toBe(true);
    // Buffers went round while the stalled stream's views stayed queued: the case this guards.
    expect(reads.reused - reusedBefore).toBeGreaterThan(100);
    expect(reads.held).toBeGreaterThan(0);
    expect(stalled.stream.closed).toBe(false);

    stalled.stream.resume();
    await waitFor('the stalled download to finish', () => stalled.stream.readableEnded, 15_000);
    expect(Buffer.concat(stalled.chunks).equals(body(1, stalledSize))).toBe(true);
    await waitFor('every read buffer let go', () => reads.held === 0);
  });

  test('an HTTP/1.1 client that stops reading gets copies: its download and another on the same session arrive intact', async () => {
    const { cert } = await testCert();
    const size = 32 * MiB;
    const chunks: Buffer[] = [];
    let res!: http.IncomingMessage;
    await new Promise<void>((resolve, reject) => {
      https.get(`${proxy.url}/?seed=8&size=${size}`, { ca: cert, agent: false }, (r) => {
        res = r;
        r.once('data', () => {
          r.pause();
          resolve();
        });
        r.on('data', (c: Buffer) => chunks.push(c));
      }).on('error', reject);
    });
    const reusedBefore = reads.reused;
    const busyClient = await connectH2(proxy.url);
    sessions.push(busyClient);
    const busy = await collect(request(busyClient, `/?seed=9&size=${16 * MiB}`));
    expect(busy.body.equals(body(9, 16 * MiB))).toBe(true);
    expect(reads.reused - reusedBefore).toBeGreaterThan(100);
    res.resume();
    await new Promise((resolve) => res.once('end', resolve));
    expect(Buffer.concat(chunks).equals(body(8, size))).toBe(true);
  });

  test('a client reset with views queued lets their read buffers go', async () => {
    const client = await connectH2(proxy.url);
    sessions.push(client);
    const stalled = await stalledDownload(client, 3, 4 * MiB);
    stalled.stream.close(http2.constants.NGHTTP2_CANCEL);
    await waitFor('the held read buffers back', () => reads.held === 0);
    // The upstream session lives on: the buffers went back, the socket did not close.
    expect(reads.reading).toBeGreaterThan(0);
  });

  test('a client connection that closes with views queued lets their read buffers go', async () => {
    const client = await connectH2(proxy.url);
    await stalledDownload(client, 4, 4 * MiB);
    client.destroy();
    await waitFor('the held read buffers back', () => reads.held === 0);
    // And the next download runs through the same buffers, intact.
    const again = await connectH2(proxy.url);
    sessions.push(again);
    const res = await collect(request(again, `/?seed=5&size=${2 * MiB}`));
    expect(res.body.equals(body(5, 2 * MiB))).toBe(true);
  });
});

test('through h2race with an upstream link (a latency toxic on), downloads arrive intact and no read buffer stays held', async () => {
  const { certPath, keyPath } = await testCert();
  const origin = await startOrigin(false);
  const h2race = await startH2race({
    events: createProxyEvents(),
    logger: silentLogger(),
    listen: '127.0.0.1:0',
    origin: origin.url,
    cert: certPath,
    key: keyPath,
    shutdownTimeoutMs: 500,
    pool: { mode: 'retain' },
    // A link toxic: upstream connections get a link, whose reads are copies (connect.ts, copyReads).
    toxics: new ToxicSet([{ type: 'latency', stream: 'upstream', attributes: { latency: 5, jitter: 0 } }]),
  });
  try {
    const linkReads = h2race.proxy.upstream.h2!.readBuffers;
    const client = await connectH2(h2race.proxy.url);
    sessions.push(client);
    const [a, b] = await Promise.all([collect(request(client, `/?seed=6&size=${8 * MiB}`)), collect(request(client, `/?seed=7&size=${8 * MiB}`))]);
    expect(a.body.equals(body(6, 8 * MiB))).toBe(true);
    expect(b.body.equals(body(7, 8 * MiB))).toBe(true);
    expect(linkReads.reused).toBeGreaterThan(100);
    expect(linkReads.held).toBe(0);
  } finally {
    await h2race.close();
    await origin.close();
  }
});
