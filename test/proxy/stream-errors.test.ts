/**
 * Errors stay with the stream they belong to: a client cancel resets exactly its upstream stream,
 * a dying origin connection fails only the streams it carried, and every upstream failure
 * becomes a 502/504 or a reset of that one downstream stream while the proxy serves on.
 */
import * as http2 from 'node:http2';
import * as https from 'node:https';
import * as net from 'node:net';
import { describe, expect, test } from 'vitest';
import type { StreamEndRecord } from '../../proxy/events.js';
import { patternBytes, sha256 } from '../helpers/bytes.js';
import { collect, connectH2, get, request, startTestProxy } from '../helpers/h2-client.js';
import { startTestOrigin } from '../helpers/origins.js';
import { testCert } from '../helpers/tls-cert.js';
import { waitFor } from '../helpers/wait.js';
import { cleanupsAfterEach } from '../helpers/cleanups.js';

const { NGHTTP2_CANCEL, NGHTTP2_INTERNAL_ERROR } = http2.constants;
const MiB = 1024 * 1024;

const cleanups = cleanupsAfterEach();

async function setUp(kind: Parameters<typeof startTestOrigin>[0], extra: Parameters<typeof startTestProxy>[1] = {}) {
  const origin = await startTestOrigin(kind);
  cleanups.push(() => origin.close());
  const proxy = await startTestProxy(origin.url, extra);
  cleanups.push(() => proxy.close());
  const ends: StreamEndRecord[] = [];
  proxy.events.on('stream-end', (r) => ends.push(r));
  const upstreamCloses: number[] = [];
  proxy.events.on('upstream-session-close', (r) => upstreamCloses.push(r.id));
  const session = await connectH2(proxy.url);
  cleanups.push(() => session.destroy());
  return { origin, proxy, ends, upstreamCloses, session };
}

/** Reads `stream` until `bytes` arrived. */
function received(stream: http2.ClientHttp2Stream, bytes: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let n = 0;
    const onData = (c: Buffer) => {
      n += c.length;
      if (n >= bytes) {
        stream.off('data', onData);
        resolve();
      }
    };
    stream.on('data', onData);
    stream.once('close', () => reject(new Error(`stream closed after ${n} bytes`)));
  });
}

describe('a client cancel', () => {
  test('resets exactly its upstream stream: the others finish byte-exact, SSE ticks on, same upstream session', async () => {
    const { origin, ends, upstreamCloses, session } = await setUp('h2');
    const sse = request(session, '/sse');
    let ticks = 0;
    sse.on('data', (c: Buffer) => (ticks += c.toString().split('\n\n').length - 1));
    const size = 4 * MiB;
    const downloads = [0, 1, 2].map((i) => request(session, `/bytes?size=${size}&chunk=65536&delay=4&tag=${i}`));
    const victim = downloads[1]!;
    const results = [collect(downloads[0]!), collect(downloads[2]!)];
    await received(victim, 256 * 1024);
    victim.close(NGHTTP2_CANCEL);
    const ticksAtCancel = ticks;

    const [a, c] = await Promise.all(results);
    expect(sha256(a!.body)).toBe(sha256(patternBytes(0, size)));
    expect(sha256(c!.body)).toBe(sha256(patternBytes(0, size)));
    await waitFor('SSE ticks after the cancel', () => ticks >= ticksAtCancel + 3);
    expect(sse.closed).toBe(false);

    const seenByOrigin = (tag: number) => origin.streams.find((s) => s.path.endsWith(`tag=${tag}`))!;
    await seenByOrigin(1).closed;
    expect(seenByOrigin(1).rstCode).toBe(NGHTTP2_CANCEL);
    expect(seenByOrigin(1).written).toBeLessThan(size);
    expect([seenByOrigin(0).rstCode, seenByOrigin(2).rstCode]).toEqual([0, 0]);
    // One upstream connection carried everything and is still open.
    expect(origin.connections).toBe(1);
    expect(origin.sessions.size).toBe(1);
    expect(upstreamCloses).toEqual([]);

    sse.close(NGHTTP2_CANCEL);
    await waitFor('stream-end records', () => ends.length === 4);
    const byPath = (p: string) => ends.find((e) => e.path.endsWith(p))!;
    expect(byPath('tag=1')).toMatchObject({ outcome: 'cancelled-by-client', rstCode: NGHTTP2_CANCEL });
    expect(byPath('tag=0')).toMatchObject({ outcome: 'completed', status: 200, bytesOut: size });
    expect(new Set(ends.map((e) => e.upstreamId)).size).toBe(1);
  });

  test('on an HTTP/1.1 upstream destroys that request\'s connection; it is never reused', async () => {
    const { origin, ends, session } = await setUp('h1');
    const size = 4 * MiB;
    const keep = request(session, `/bytes?size=${size}&chunk=65536&delay=4&tag=keep`);
    const victim = request(session, `/bytes?size=${size}&chunk=65536&delay=4&tag=victim`);
    const kept = collect(keep);
    await received(victim, 256 * 1024);
    victim.close(NGHTTP2_CANCEL);
    const victimConnection = () => origin.streams.find((s) => s.path.endsWith('tag=victim'))!.connection;
    await waitFor('the cancelled request\'s upstream connection to close', () => origin.closedConnections.has(victimConnection()));
    expect(sha256((await kept).body)).toBe(sha256(patternBytes(0, size)));
    for (let i = 0; i < 3; i++) expect((await get(session, '/small')).status).toBe(200);
    const later = origin.streams.filter((s) => s.path === '/small');
    expect(later.every((s) => s.connection !== victimConnection())).toBe(true);
    await waitFor('stream-end records', () => ends.length === 5);
    expect(ends.find((e) => e.path.endsWith('tag=victim'))).toMatchObject({ outcome: 'cancelled-by-client' });
  });

  test('from an HTTP/1.1 client (it hangs up mid-body) resets its upstream HTTP/2 stream with CANCEL', async () => {
    const { origin, proxy, ends } = await setUp('h2');
    const { cert } = await testCert();
    const size = 4 * MiB;
    await new Promise<void>((resolve, reject) => {
      const req = https.get(`${proxy.url}/bytes?size=${size}&chunk=65536&delay=4&tag=h1`, { ca: cert, agent: false }, (res) => {
        let n = 0;
        res.on('data', (c: Buffer) => {
          n += c.length;
          if (n >= 256 * 1024) {
            req.destroy();
            resolve();
          }
        });
      });
      req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? undefined : reject(err)));
    });
    const seen = () => origin.streams.find((st) => st.path.endsWith('tag=h1'))!;
    await seen().closed;
    expect(seen().rstCode).toBe(NGHTTP2_CANCEL);
    expect(seen().written).toBeLessThan(size);
    await waitFor('the stream-end record', () => ends.some((e) => e.path.endsWith('tag=h1')));
    expect(ends.find((e) => e.path.endsWith('tag=h1'))).toMatchObject({ protocol: 'http/1.1', outcome: 'cancelled-by-client' });
    expect(origin.sessions.size).toBe(1);
  });
});

describe('an origin connection that dies mid-stream', () => {
  test.each(['h2c', 'h1'] as const)('%s: fails only its streams (RST INTERNAL_ERROR downstream); the next request gets a new connection', async (kind) => {
    const { origin, ends, session } = await setUp(kind);
    const doomed = request(session, `/bytes?size=${16 * MiB}&chunk=65536&delay=5`);
    let rst = -1;
    doomed.on('error', () => {});
    const closed = new Promise<void>((r) => doomed.once('close', () => ((rst = doomed.rstCode ?? -1), r())));
    await received(doomed, 128 * 1024);
    origin.killConnections();
    await closed;
    expect(rst).toBe(NGHTTP2_INTERNAL_ERROR);
    expect(session.closed).toBe(false);
    const next = await get(session, '/small');
    expect(next.status).toBe(200);
    expect(origin.connections).toBe(2);
    await waitFor('stream-end records', () => ends.length === 2);
    expect(ends[0]).toMatchObject({ outcome: 'upstream-error', status: 200, rstCode: NGHTTP2_INTERNAL_ERROR });
  });
});

describe('upstream failures become 502/504 and the proxy serves on', () => {
  test('unreachable origin → 502; once it is up the same proxy serves', async () => {
    const probe = await startTestOrigin('h2c');
    const port = probe.port;
    await probe.close();
    const proxy = await startTestProxy(`h2c://127.0.0.1:${port}`);
    cleanups.push(() => proxy.close());
    const session = await connectH2(proxy.url);
    cleanups.push(() => session.destroy());
    const refused = await get(session, '/small');
    expect(refused.status).toBe(502);
    expect(refused.headers['x-h2race-error']).toBe('connect-refused');
    const origin = await startTestOrigin('h2c', { port });
    cleanups.push(() => origin.close());
    expect((await get(session, '/small')).status).toBe(200);
  });

  test('an origin whose certificate does not verify → 502 (tls)', async () => {
    const { session } = await setUp('h2', { upstream: { ca: undefined } });
    const res = await get(session, '/small');
    expect(res.status).toBe(502);
    expect(res.headers['x-h2race-error']).toBe('tls');
  });

  test.each(['h2c', 'http'] as const)('an origin that answers garbage (%s) → 502', async (scheme) => {
    const garbage = net.createServer((s) => {
      s.on('error', () => {});
      s.resume();
      s.end('SSH-2.0-OpenSSH_9.6 this is not HTTP\r\n\r\n');
    });
    garbage.listen(0, '127.0.0.1');
    await new Promise((r) => garbage.once('listening', r));
    cleanups.push(() => new Promise((r) => garbage.close(r)));
    const proxy = await startTestProxy(`${scheme}://127.0.0.1:${(garbage.address() as net.AddressInfo).port}`);
    cleanups.push(() => proxy.close());
    const session = await connectH2(proxy.url);
    cleanups.push(() => session.destroy());
    const res = await get(session, '/small');
    expect(res.status).toBe(502);
    expect(session.closed).toBe(false);
  });

  test('an origin that does not answer in time → 504', async () => {
    const { session } = await setUp('h2', { upstream: { responseTimeoutMs: 300 } });
    const started = Date.now();
    const res = await get(session, '/hold');
    expect(res.status).toBe(504);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect((await get(session, '/small')).status).toBe(200);
  });
});

describe('requests the origin never processed are retried', () => {
  test('GOAWAY: streams above last-stream-id go again on a new session; the processed one is answered', async () => {
    const { origin, ends, session } = await setUp('h2');
    origin.onHold = ({ res }) => {
      const firstSession = origin.held.filter((h) => h.seen.connection === 1);
      if (origin.held.at(-1)!.seen.connection !== 1) return void res.end('second session');
      if (firstSession.length < 3) return;
      const h2 = (firstSession[0]!.req as http2.Http2ServerRequest).stream;
      h2.session!.goaway(http2.constants.NGHTTP2_NO_ERROR, h2.id);
      firstSession[0]!.res.end('processed before GOAWAY');
    };
    const results = await Promise.all([0, 1, 2].map((i) => get(session, `/hold?i=${i}`)));
    const bodies = results.map((r) => r.body.toString()).sort();
    expect(bodies).toEqual(['processed before GOAWAY', 'second session', 'second session']);
    expect(origin.connections).toBe(2);
    await waitFor('stream-end records', () => ends.length === 3);
    expect(ends.map((e) => e.attempts).sort()).toEqual([1, 2, 2]);
  });

  test('REFUSED_STREAM is retried once, not twice', async () => {
    const { ends, session } = await setUp('h2c');
    expect((await get(session, '/refuse?tag=once&times=1')).status).toBe(200);
    expect((await get(session, '/refuse?tag=always&times=99')).status).toBe(502);
    await waitFor('stream-end records', () => ends.length === 2);
    expect(ends.map((e) => e.attempts)).toEqual([2, 2]);
  });
});

describe('a stream the origin did not process is sent again only when no request body byte was consumed', () => {
  /**
   * An h2c origin whose first connection holds `/first`; when the next request's head (a GET) or
   * its first body byte (an upload) arrives, it sends GOAWAY with `/first`'s stream id as the
   * last processed one (that next stream was not processed), then answers `/first`. Later
   * connections answer 200 and how many body bytes they read.
   */
  async function goawayOrigin() {
    const server = http2.createServer();
    const sessions: http2.ServerHttp2Session[] = [];
    let held: http2.ServerHttp2Stream | undefined;
    server.on('session', (session) => {
      sessions.push(session);
      session.on('error', () => {});
    });
    server.on('stream', (stream, headers) => {
      stream.on('error', () => {});
      if (stream.session === sessions[0]) {
        if (headers[':path'] === '/first') return void (held = stream);
        const goaway = () => {
          stream.session!.goaway(http2.constants.NGHTTP2_NO_ERROR, held!.id);
          held!.respond({ ':status': 200 });
          held!.end('first');
        };
        if (headers[':method'] === 'GET') return goaway();
        return void stream.once('data', goaway);
      }
      let bytes = 0;
      stream.on('data', (c: Buffer) => (bytes += c.length));
      stream.on('end', () => {
        stream.respond({ ':status': 200 });
        stream.end(`read ${bytes}`);
      });
    });
    server.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    cleanups.push(() => {
      for (const s of sessions) s.destroy();
      return new Promise((r) => server.close(() => r(undefined)));
    });
    return {
      url: `h2c://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
      connections: () => sessions.length,
      holding: () => held !== undefined,
    };
  }

  async function setUpGoaway() {
    const origin = await goawayOrigin();
    const proxy = await startTestProxy(origin.url);
    cleanups.push(() => proxy.close());
    const ends: StreamEndRecord[] = [];
    proxy.events.on('stream-end', (r) => ends.push(r));
    const session = await connectH2(proxy.url);
    cleanups.push(() => session.destroy());
    const first = get(session, '/first');
    await waitFor('the origin to hold /first', origin.holding);
    return { origin, ends, session, first };
  }

  test('a GET goes again on a new session', async () => {
    const { origin, ends, session, first } = await setUpGoaway();
    const res = await get(session, '/small');
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('read 0');
    expect((await first).body.toString()).toBe('first');
    await waitFor('stream-end records', () => ends.length === 2);
    expect(ends.find((e) => e.path === '/small')).toMatchObject({ outcome: 'completed', attempts: 2 });
    expect(origin.connections()).toBe(2);
  });

  test('an upload whose body bytes were already sent is not: 502 naming why, one attempt', async () => {
    const { origin, ends, session, first } = await setUpGoaway();
    const res = await collect(request(session, '/upload', { method: 'POST', body: patternBytes(0, 256 * 1024) }));
    expect(res.status).toBe(502);
    expect(res.headers['x-h2race-error']).toBe('stream-reset');
    expect(res.body.toString()).toMatch(/did not process the stream \(GOAWAY, code 0\); not sent again: \d+ request body bytes were already consumed/);
    expect((await first).body.toString()).toBe('first');
    await waitFor('stream-end records', () => ends.length === 2);
    const upload = ends.find((e) => e.path === '/upload')!;
    expect(upload).toMatchObject({ outcome: 'upstream-error', attempts: 1 });
    expect(upload.bytesIn).toBeGreaterThan(0);
    expect(origin.connections()).toBe(1);
  });
});
