/**
 * Origins that misbehave, beyond what test/proxy/stream-errors.test.ts covers (unreachable, bad
 * certificate, slow headers, GOAWAY, REFUSED_STREAM): an origin that dies with streams of several
 * clients in flight, one that stalls mid-body forever, one that answers with garbage, one that
 * accepts and never speaks. The proxy fails exactly the affected streams, keeps every client
 * connection, recovers on a new upstream session, and leaves nothing open.
 */
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { errorCodeName } from '../../h2/frame/constants.js';
import { SeededRandom } from '../../faults/random.js';
import { collect, request } from '../helpers/h2-client.js';
import { cleanupsAfterEach } from '../helpers/cleanups.js';
import { checkedGet, startRig, type Rig } from './rig.js';

const cleanups = cleanupsAfterEach();

async function rigFor(opts: Parameters<typeof startRig>[0]): Promise<Rig> {
  const rig = await startRig(opts);
  cleanups.push(async () => {
    await rig.close();
    expect(rig.pool.stats().inUse).toBe(0);
  });
  return rig;
}

/** A TCP server on 127.0.0.1 that does `onConnection` with each socket; closed after the test. */
async function tcpOrigin(onConnection: (s: net.Socket) => void): Promise<{ url: string; accepted: () => number }> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((s) => {
    accepted++;
    sockets.add(s);
    s.on('error', () => {});
    s.once('close', () => sockets.delete(s));
    onConnection(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  }));
  return { url: `h2c://127.0.0.1:${(server.address() as net.AddressInfo).port}`, accepted: () => accepted };
}

/** Settles with how a request ended: `status N` or `RST <code name>`. */
async function outcome(session: http2.ClientHttp2Session, path: string): Promise<string> {
  const stream = request(session, path);
  return collect(stream).then(
    (r) => `status ${r.status}`,
    () => `RST ${errorCodeName(stream.rstCode ?? -1)}`,
  );
}

describe('upstream faults', () => {
  it('the origin dies mid-stream: exactly the in-flight streams fail, every client connection survives and recovers', async () => {
    let killSession: (() => void) | undefined;
    const rig = await rigFor({
      originHandler: (routes) => (req, res) => {
        const stream = (req as unknown as http2.Http2ServerRequest).stream;
        if (req.url === '/die') killSession = () => stream.session!.destroy();
        else routes(req, res);
      },
    });
    const clients = await Promise.all([rig.client(), rig.client(), rig.client()]);
    const outcomes: string[] = [];
    rig.events.on('stream-end', (r) => outcomes.push(`${r.path} ${r.outcome}`));
    // Slow downloads on one upstream session, then an order to kill that session from the origin side.
    const downloads = clients.map((c) => outcome(c, '/video?size=4000000&rate=500000'));
    await expect.poll(() => rig.originActive, { timeout: 5000 }).toBe(3);
    const dying = outcome(clients[0], '/die');
    await expect.poll(() => killSession !== undefined, { timeout: 5000 }).toBe(true);
    killSession!();
    // Response headers had gone out: each download is cut with RST_STREAM (never a truncated 200).
    expect(await Promise.all(downloads)).toEqual(['RST INTERNAL_ERROR', 'RST INTERNAL_ERROR', 'RST INTERNAL_ERROR']);
    expect(await dying).toBe('status 502');
    // The proxy knows they were cut: no truncated body recorded as complete.
    expect(outcomes.filter((o) => o.startsWith('/video')).sort()).toEqual(Array(3).fill('/video?size=4000000&rate=500000 upstream-error'));
    // The client connections are untouched and served again, byte-exact, over a new upstream session.
    for (const c of clients) {
      expect(c.destroyed).toBe(false);
      await checkedGet(c, 20_000);
    }
    await expect.poll(() => rig.originActive, { timeout: 5000 }).toBe(0);
  });

  it('an origin that stalls mid-body forever: the stream is cut after streamIdleTimeoutMs, upstream cancelled, others unaffected', async () => {
    const rig = await rigFor({
      proxy: { downstream: { streamIdleTimeoutMs: 500 } },
      originHandler: (routes) => (req, res) => {
        if (req.url !== '/stall') return routes(req, res);
        res.writeHead(200, { 'content-length': 100_000 });
        res.write(Buffer.alloc(1000, 's')); // then nothing, ever
      },
    });
    const session = await rig.client();
    const started = performance.now();
    const stalled = outcome(session, '/stall');
    await expect.poll(() => rig.originActive, { timeout: 5000 }).toBe(1);
    await checkedGet(session, 30_000); // the same connection serves others meanwhile
    expect(await stalled).toBe('RST CANCEL');
    expect(performance.now() - started).toBeGreaterThanOrEqual(450);
    await expect.poll(() => rig.originActive, { timeout: 5000 }).toBe(0);
    await checkedGet(session, 1000);
  });

  it('an origin that answers garbage: 502 for each request, the proxy stays up and bounded', async () => {
    const random = new SeededRandom(3, 'garbage-origin');
    const origin = await tcpOrigin((s) => {
      const junk = Buffer.alloc(random.int(1, 2000));
      for (let i = 0; i < junk.length; i++) junk[i] = random.int(0, 255);
      s.end(Buffer.concat([Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'), junk]));
    });
    const rig = await rigFor({ proxy: { origin: origin.url, upstream: { connectTimeoutMs: 2000, responseTimeoutMs: 2000 } } });
    const session = await rig.client();
    const results = [];
    for (let i = 0; i < 20; i++) results.push(await outcome(session, `/small?size=${i}`));
    expect(new Set(results)).toEqual(new Set(['status 502']));
    // One failed connection attempt per request at most: no connect storm.
    expect(origin.accepted()).toBeLessThanOrEqual(20);
    expect(session.destroyed).toBe(false);
  });

  it('an origin that accepts and never speaks: 504 within the configured timeouts', async () => {
    const origin = await tcpOrigin(() => {
      /* holds the connection, says nothing */
    });
    const rig = await rigFor({ proxy: { origin: origin.url, upstream: { connectTimeoutMs: 500, responseTimeoutMs: 500 } } });
    const session = await rig.client();
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: 5 }, () => outcome(session, '/small')));
    const elapsed = performance.now() - started;
    expect(results).toEqual(Array(5).fill('status 504'));
    expect(elapsed).toBeGreaterThanOrEqual(400);
    expect(elapsed).toBeLessThan(10_000);
    expect(session.destroyed).toBe(false);
  }, 15_000);
});
