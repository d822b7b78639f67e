/**
 * The engine's client role against node:http2 servers, over TLS (ALPN h2) and h2c: bodies and
 * trailers both ways, 1xx, MAX_CONCURRENT_STREAMS queuing, GOAWAY and REFUSED_STREAM as
 * "unprocessed", resets, flow control driven by consumed(), and stream id exhaustion.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import * as http2 from 'node:http2';
import type * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../h2/frame/constants.js';
import type { ClientConnectionOptions } from '../../../h2/proto/client-connection.js';
import { EndPhase } from '../../../h2/proto/go-away.js';
import { randomBody, sha256 } from '../../helpers/bytes.js';
import { testCert } from '../../helpers/tls-cert.js';
import { waitFor } from '../../helpers/wait.js';
import { connectClient, exchange, fieldOf, requestAllQueued, type ConnectedClient } from './engine-client.js';

let server: http2.Http2Server | undefined;
const clients: ConnectedClient[] = [];
const serverSessions = new Set<http2.ServerHttp2Session>();

async function startNodeServer(useTls: boolean, onStream: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void, settings: http2.Settings = {}): Promise<number> {
  if (useTls) {
    const { cert, key } = await testCert();
    server = http2.createSecureServer({ cert, key, settings });
  } else {
    server = http2.createServer({ settings });
  }
  // Streams and sessions the tests reset or break emit 'error': expected, the assertions are the client's.
  server.on('stream', (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
    stream.on('error', () => {});
    onStream(stream, headers);
  });
  server.on('session', (s: http2.ServerHttp2Session) => {
    s.on('error', () => {});
    serverSessions.add(s);
    s.on('close', () => serverSessions.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

function connect(port: number, useTls: boolean, options?: ClientConnectionOptions): ConnectedClient {
  const client = connectClient(port, useTls, options);
  clients.push(client);
  return client;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.socket.destroy();
  for (const s of serverSessions) s.destroy();
  if (server) await new Promise((r) => server!.close(r));
  server = undefined;
});

/**
 * The node:http2 application, by path:
 *   /echo      the request body back as it arrives, then trailers x-sha256 (of what came) and
 *              x-got-<name> for each request trailer
 *   /bytes/N   N seeded bytes with content-length and x-sha256
 *   /continue  100 (Continue) when asked, then like /echo
 *   /hints     103 (Early Hints), then 200 "ok"
 *   /refuse    RST_STREAM REFUSED_STREAM
 *   /abort     a head and 5 bytes, then RST_STREAM INTERNAL_ERROR (destroy: close() would end the
 *              response first)
 *   /hold      nothing until the test answers it (held[])
 *   anything else: 200 "ok"
 */
const held: http2.ServerHttp2Stream[] = [];

function nodeApp(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
  const path = String(headers[':path']);
  if (path === '/echo' || path === '/continue') {
    if (path === '/continue' && headers.expect === '100-continue') stream.additionalHeaders({ ':status': 100 });
    const hash = createHash('sha256');
    let requestTrailers: http2.IncomingHttpHeaders = {};
    stream.on('trailers', (t) => (requestTrailers = t));
    stream.respond({ ':status': 200 }, { waitForTrailers: true });
    stream.on('wantTrailers', () => {
      const out: http2.OutgoingHttpHeaders = { 'x-sha256': hash.digest('hex') };
      for (const [name, value] of Object.entries(requestTrailers)) out[`x-got-${name}`] = String(value);
      stream.sendTrailers(out);
    });
    stream.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      stream.write(chunk);
    });
    stream.on('end', () => stream.end());
    return;
  }
  const bytes = /^\/bytes\/(\d+)$/.exec(path);
  if (bytes) {
    const body = randomBody(Number(bytes[1]), 7);
    stream.respond({ ':status': 200, 'content-length': body.length, 'x-sha256': sha256(body) });
    stream.end(body);
    return;
  }
  switch (path) {
    case '/hints':
      stream.additionalHeaders({ ':status': 103, link: '</a.css>; rel=preload' });
      stream.respond({ ':status': 200 });
      stream.end('ok');
      return;
    case '/refuse':
      stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      return;
    case '/abort':
      stream.respond({ ':status': 200 });
      stream.write('12345', () => stream.destroy(new Error('abort')));
      return;
    case '/hold':
      held.push(stream);
      return;
  }
  stream.respond({ ':status': 200 });
  stream.end(headers[':method'] === 'HEAD' ? undefined : 'ok');
}

afterEach(() => {
  held.length = 0;
});

for (const useTls of [true, false]) {
  describe(useTls ? 'TLS (ALPN h2)' : 'h2c (prior knowledge)', () => {
    it('GET', async () => {
      const port = await startNodeServer(useTls, (stream, headers) => {
        stream.respond({ ':status': 200, 'x-path': String(headers[':path']), 'x-method': String(headers[':method']) });
        stream.end('hello');
      });
      const { connection } = connect(port, useTls);
      const ex = exchange(connection, '/a?b=1');
      expect(await ex.done).toEqual({ kind: 'end' });
      expect(ex.status).toBe(200);
      expect(ex.field('x-path')).toBe('/a?b=1');
      expect(ex.field('x-method')).toBe('GET');
      expect(ex.body().toString()).toBe('hello');
    });

    it('POSTs 5 MiB and gets it back, SHA-256 checked both ways, with trailers both ways', async () => {
      const port = await startNodeServer(useTls, nodeApp);
      const { connection } = connect(port, useTls);
      const body = randomBody(5 << 20, 1);
      const ex = exchange(connection, '/echo', { body, trailers: ['x-client-sum', sha256(body)] });
      expect(await ex.done).toEqual({ kind: 'end' });
      expect(ex.status).toBe(200);
      expect(ex.received).toBe(body.length);
      expect(sha256(ex.body())).toBe(sha256(body));
      expect(fieldOf(ex.trailers, 'x-sha256')).toBe(sha256(body));
      expect(fieldOf(ex.trailers, 'x-got-x-client-sum')).toBe(sha256(body));
    });

    it('downloads 5 MiB with content-length', async () => {
      const port = await startNodeServer(useTls, nodeApp);
      const { connection } = connect(port, useTls);
      const ex = exchange(connection, `/bytes/${5 << 20}`);
      expect(await ex.done).toEqual({ kind: 'end' });
      expect(ex.received).toBe(5 << 20);
      expect(sha256(ex.body())).toBe(ex.field('x-sha256'));
    });

    it('waits for 100 (Continue) before the body, and reports 103 heads apart from the final one', async () => {
      const port = await startNodeServer(useTls, nodeApp);
      const { connection } = connect(port, useTls);
      const body = randomBody(100_000, 2);
      const cont = exchange(connection, '/continue', { body, fields: ['expect', '100-continue'], waitForContinue: true });
      const hints = exchange(connection, '/hints');
      expect(await cont.done).toEqual({ kind: 'end' });
      expect(cont.informational.map((h) => h.status)).toEqual([100]);
      expect(sha256(cont.body())).toBe(sha256(body));
      expect(await hints.done).toEqual({ kind: 'end' });
      expect(hints.informational).toEqual([{ status: 103, fields: ['link', '</a.css>; rel=preload'] }]);
      expect(hints.status).toBe(200);
      expect(hints.body().toString()).toBe('ok');
    });

    it('HEAD: a content-length without content is no error', async () => {
      const port = await startNodeServer(useTls, (stream) => {
        stream.respond({ ':status': 200, 'content-length': 1234 }, { endStream: true });
      });
      const { connection } = connect(port, useTls);
      const ex = exchange(connection, '/', { method: 'HEAD' });
      expect(await ex.done).toEqual({ kind: 'end' });
      expect(ex.field('content-length')).toBe('1234');
      expect(ex.received).toBe(0);
    });
  });
}

describe('h2c against node:http2', () => {
  it('runs 200 requests through a MAX_CONCURRENT_STREAMS of 10: queued on availableStreams / onAvailable, never refused', async () => {
    let active = 0;
    let maxActive = 0;
    const port = await startNodeServer(
      false,
      (stream, headers) => {
        active++;
        maxActive = Math.max(maxActive, active);
        stream.on('close', () => active--);
        // Answered a turn later: the server holds streams long enough for the limit to bind.
        setImmediate(() => {
          stream.respond({ ':status': 200 });
          stream.end(String(headers[':path']));
        });
      },
      { maxConcurrentStreams: 10 },
    );
    const run = await requestAllQueued(port, false, Array.from({ length: 200 }, (_, i) => `/r${i}`));
    clients.push(run.client);
    expect(run.firstBatch).toBe(10);
    expect(run.outcomes.filter((o) => o.kind !== 'end')).toEqual([]);
    expect(run.exchanges.map((e) => e.body().toString())).toEqual(Array.from({ length: 200 }, (_, i) => `/r${i}`));
    expect(run.maxActive).toBe(10);
    expect(maxActive).toBe(10);
  });

  it('server GOAWAY mid-flight: streams above its last-stream-id end "unprocessed", those at or below it finish, no new requests', async () => {
    const port = await startNodeServer(false, nodeApp);
    const goaways: number[] = [];
    const { connection, socket } = connect(port, false, { observer: { onGoawayReceived: (g) => goaways.push(g.lastStreamId) } });
    const exchanges = [1, 2, 3, 4].map(() => exchange(connection, '/hold'));
    expect(exchanges.map((e) => e.stream.id)).toEqual([1, 3, 5, 7]);
    await waitFor('four held streams', () => held.length === 4);
    const session = held[0]!.session!;
    session.goaway(http2.constants.NGHTTP2_NO_ERROR, 3);
    expect(await exchanges[2]!.done).toEqual({ kind: 'reset', code: ErrorCode.NO_ERROR, cause: 'unprocessed' });
    expect(await exchanges[3]!.done).toEqual({ kind: 'reset', code: ErrorCode.NO_ERROR, cause: 'unprocessed' });
    expect(goaways).toEqual([3]);
    expect(connection.canRequest).toBe(false);
    expect(() => exchange(connection, '/')).toThrow(/no stream available \(the connection is closing\)/);
    // node keeps the streams it will not process until told; the client forgot them already.
    for (const stream of held.slice(2)) stream.close();
    for (const stream of held.slice(0, 2)) {
      stream.respond({ ':status': 200 });
      stream.end(`done ${stream.id}`);
    }
    expect(await exchanges[0]!.done).toEqual({ kind: 'end' });
    expect(await exchanges[1]!.done).toEqual({ kind: 'end' });
    expect(exchanges[1]!.body().toString()).toBe('done 3');
    // The last stream at or below the last-stream-id finished: the client ends the connection
    // (node's server, which only sent GOAWAY, would wait for its own close() to close the socket).
    expect(connection.phase).toBe(EndPhase.Ending);
    await waitFor('the client to end its side', () => socket.writableEnded);
  });

  it('close(): the server reads our GOAWAYs (last-stream-id 0: it opens no streams) and closes cleanly, no protocol error', async () => {
    const port = await startNodeServer(false, nodeApp);
    const { connection, socket } = connect(port, false);
    expect(await exchange(connection, '/').done).toEqual({ kind: 'end' });
    const [session] = serverSessions;
    const goaways: Array<[number, number]> = [];
    const errors: string[] = [];
    session!.on('goaway', (code, lastStreamId) => goaways.push([code, lastStreamId]));
    session!.on('error', (err) => errors.push(err.message));
    connection.close();
    await new Promise((r) => socket.once('close', r));
    expect(errors).toEqual([]);
    expect(goaways.length).toBeGreaterThanOrEqual(1);
    expect(goaways.every(([code, last]) => code === ErrorCode.NO_ERROR && last === 0)).toBe(true);
  });

  it('REFUSED_STREAM ends the stream "unprocessed"; a server RST_STREAM ends it as "peer"; the connection goes on', async () => {
    const port = await startNodeServer(false, nodeApp);
    const { connection } = connect(port, false);
    const refused = exchange(connection, '/refuse');
    const aborted = exchange(connection, '/abort');
    expect(await refused.done).toEqual({ kind: 'reset', code: ErrorCode.REFUSED_STREAM, cause: 'unprocessed' });
    expect(await aborted.done).toEqual({ kind: 'reset', code: ErrorCode.INTERNAL_ERROR, cause: 'peer' });
    expect(aborted.status).toBe(200);
    const after = exchange(connection, '/');
    expect(await after.done).toEqual({ kind: 'end' });
    expect(after.body().toString()).toBe('ok');
  });

  it('response credit goes back only through consumed(): a stream that is not consumed stalls at its window', async () => {
    const port = await startNodeServer(false, nodeApp);
    const { connection } = connect(port, false, { settings: { initialWindowSize: 16_384 }, connectionWindowSize: 65_535 });
    const size = 256 * 1024;
    const slow = exchange(connection, `/bytes/${size}`, { autoConsume: false });
    await waitFor('the first window', () => slow.received === 16_384);
    // A request after it as a barrier: the server would have sent more of /bytes before this answer.
    const barrier = exchange(connection, '/');
    expect(await barrier.done).toEqual({ kind: 'end' });
    expect(slow.received).toBe(16_384);
    let consumed = 0;
    while (consumed < size) {
      const available = slow.received - consumed;
      if (available > 0) {
        slow.stream.consumed(available);
        consumed += available;
      } else {
        await new Promise((r) => setImmediate(r));
      }
    }
    expect(await slow.done).toEqual({ kind: 'end' });
    expect(sha256(slow.body())).toBe(slow.field('x-sha256'));
  });

  it('request bodies obey the server windows, also when its SETTINGS_INITIAL_WINDOW_SIZE shrinks and grows mid-stream', async () => {
    const body = randomBody(1 << 20, 3);
    const got: Buffer[] = [];
    let sawEnd!: () => void;
    const ended = new Promise<void>((r) => (sawEnd = r));
    const port = await startNodeServer(
      false,
      (stream) => {
        const session = stream.session!;
        stream.pause();
        stream.on('data', (c: Buffer) => got.push(c));
        stream.on('end', () => {
          stream.respond({ ':status': 200 });
          stream.end();
          sawEnd();
        });
        // Windows to 0 while the client has bytes queued, then wide open: the client's send
        // windows go negative-or-zero and back (RFC 9113 §6.9.2).
        session.settings({ initialWindowSize: 0 }, () => {
          session.settings({ initialWindowSize: 1 << 20 }, () => stream.resume());
        });
      },
      { initialWindowSize: 16_384 },
    );
    const { connection } = connect(port, false);
    const ex = exchange(connection, '/upload', { body });
    await ended;
    expect(await ex.done).toEqual({ kind: 'end' });
    expect(sha256(Buffer.concat(got))).toBe(sha256(body));
    expect(connection.peerSettings.initialWindowSize).toBe(1 << 20);
  });

  it('stream ids: after 2^31-1 no more requests, and the connection closes once its streams finish', async () => {
    const port = await startNodeServer(false, nodeApp);
    const { connection, socket } = connect(port, false, { firstStreamId: 2 ** 31 - 3 });
    const a = exchange(connection, '/');
    expect(connection.canRequest).toBe(true);
    const b = exchange(connection, '/');
    expect([a.stream.id, b.stream.id]).toEqual([2 ** 31 - 3, 2 ** 31 - 1]);
    expect(connection.availableStreams).toBe(0);
    expect(() => exchange(connection, '/')).toThrow(/no stream available/);
    expect(await a.done).toEqual({ kind: 'end' });
    expect(await b.done).toEqual({ kind: 'end' });
    if (!socket.closed) await once(socket, 'close');
  });
});
