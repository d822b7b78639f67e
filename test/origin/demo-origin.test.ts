import http from 'node:http';
import https from 'node:https';
import http2 from 'node:http2';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoOrigin, type DemoOrigin } from '../../origin/demo-origin.js';
import { countVideoMismatches, sseEventData, videoBytes } from '../../origin/content.js';
import { createDemoHandler } from '../../origin/handler.js';

interface Reply {
  status: number;
  headers: Record<string, unknown>;
  body: Buffer;
  trailers: Record<string, unknown>;
}

function h2request(
  session: http2.ClientHttp2Session,
  path: string,
  headers: Record<string, string> = {},
  body?: { data: Buffer; trailers?: Record<string, string> },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = session.request(
      { ':path': path, ':method': body ? 'POST' : headers[':method'] ?? 'GET', ...headers },
      { endStream: !body, waitForTrailers: body?.trailers !== undefined },
    );
    let status = 0;
    let resHeaders: Record<string, unknown> = {};
    let trailers: Record<string, unknown> = {};
    const chunks: Buffer[] = [];
    req.on('response', (h) => {
      status = Number(h[':status']);
      resHeaders = h;
    });
    req.on('trailers', (t) => (trailers = t));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve({ status, headers: resHeaders, body: Buffer.concat(chunks), trailers }));
    req.on('error', reject);
    if (body) {
      if (body.trailers) req.on('wantTrailers', () => req.sendTrailers(body.trailers!));
      req.end(body.data);
    }
  });
}

function h1request(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const mod = url.startsWith('https') ? https : http;
    const req = mod.request(url, { method, headers, rejectUnauthorized: false, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), trailers: res.trailers }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function connect(url: string): http2.ClientHttp2Session {
  const session = http2.connect(url.replace(/^h2c:/, 'http:'), { rejectUnauthorized: false });
  session.on('error', () => {});
  return session;
}

let origin: DemoOrigin;
beforeAll(async () => {
  origin = await startDemoOrigin({ videoSize: 1 << 20 });
});
afterAll(async () => {
  await origin.close();
});

describe.each(['tls', 'h2c'] as const)('demo origin over %s (HTTP/2)', (kind) => {
  let session: http2.ClientHttp2Session;
  beforeAll(() => {
    session = connect(origin.urls[kind]!);
  });
  afterAll(() => {
    session.close();
  });

  it('serves an open-ended range byte-exact with Content-Range', async () => {
    const r = await h2request(session, '/video', { range: 'bytes=1000-' });
    expect(r.status).toBe(206);
    expect(r.headers['content-range']).toBe(`bytes 1000-${(1 << 20) - 1}/${1 << 20}`);
    expect(r.body.length).toBe((1 << 20) - 1000);
    expect(countVideoMismatches(r.body, 1000)).toBe(0);
  });

  it('serves a closed range, a suffix range, the whole body, HEAD and 416', async () => {
    const closed = await h2request(session, '/video?size=5000', { range: 'bytes=10-19' });
    expect(closed.status).toBe(206);
    expect(closed.body.equals(videoBytes(10, 10))).toBe(true);
    const suffix = await h2request(session, '/video?size=5000', { range: 'bytes=-3' });
    expect(suffix.body.equals(videoBytes(4997, 3))).toBe(true);
    const whole = await h2request(session, '/video?size=5000');
    expect(whole.status).toBe(200);
    expect(whole.headers['content-length']).toBe('5000');
    expect(whole.body.equals(videoBytes(0, 5000))).toBe(true);
    const head = await h2request(session, '/video?size=5000', { ':method': 'HEAD', range: 'bytes=100-' });
    expect(head.status).toBe(206);
    expect(head.headers['content-length']).toBe('4900');
    expect(head.body.length).toBe(0);
    const past = await h2request(session, '/video?size=5000', { range: 'bytes=5000-' });
    expect(past.status).toBe(416);
    expect(past.headers['content-range']).toBe('bytes */5000');
  });

  it('answers a bad query parameter with 400 naming it', async () => {
    const r = await h2request(session, '/video?size=abc');
    expect(r.status).toBe(400);
    expect(r.body.toString()).toContain('size=abc');
  });

  it('streams SSE with consecutive ids, each stamped with its send time, and resumes after Last-Event-ID', async () => {
    const asked = Date.now();
    const first = await h2request(session, '/events?interval=10&limit=5');
    const answered = Date.now();
    expect(first.headers['content-type']).toBe('text/event-stream');
    const ids = [...first.body.toString().matchAll(/^id: (\d+)\nsent: (\d+)\ndata: (.*)$/gm)];
    expect(ids.map((m) => Number(m[1]))).toEqual([1, 2, 3, 4, 5]);
    for (const m of ids) expect(m[3]).toBe(sseEventData(Number(m[1])));
    const sent = ids.map((m) => Number(m[2]));
    expect(sent).toEqual([...sent].sort((x, y) => x - y));
    expect(sent[0]).toBeGreaterThanOrEqual(asked);
    expect(sent[4]).toBeLessThanOrEqual(answered);
    const resumed = await h2request(session, '/events?interval=10&limit=2', { 'last-event-id': '41' });
    expect([...resumed.body.toString().matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))).toEqual([42, 43]);
  });

  it('serves /small and echoes a body with its trailers', async () => {
    const small = await h2request(session, '/small?size=300');
    expect(small.body.equals(videoBytes(0, 300))).toBe(true);
    const data = videoBytes(777, 3 << 20);
    const echo = await h2request(session, '/echo', {}, { data, trailers: { 'x-checksum': 'abc' } });
    expect(echo.status).toBe(200);
    expect(echo.body.equals(data)).toBe(true);
    expect(echo.trailers['x-checksum']).toBe('abc');
  });

  it('a cancelled range ends only its own stream: SSE on the same session keeps ticking', async () => {
    const sse = session.request({ ':path': '/events?interval=20' });
    const seen: number[] = [];
    sse.on('data', (c: Buffer) => {
      for (const m of c.toString().matchAll(/^id: (\d+)$/gm)) seen.push(Number(m[1]));
    });
    for (let i = 0; i < 5; i++) {
      const video = session.request({ ':path': '/video', range: `bytes=${i * 1000}-` });
      await new Promise<void>((resolve) => video.once('data', () => resolve()));
      video.close(http2.constants.NGHTTP2_CANCEL);
    }
    const before = seen.length;
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (seen.length >= before + 3) {
          clearInterval(check);
          resolve();
        }
      }, 10);
    });
    sse.close(http2.constants.NGHTTP2_CANCEL);
    expect(seen).toEqual(seen.map((_, i) => i + 1));
    expect(session.closed || session.destroyed).toBe(false);
  });
});

describe('demo origin over HTTP/1.1', () => {
  it.each(['tls', 'http'] as const)('%s: ranges, 416 and /small', async (kind) => {
    const base = origin.urls[kind]!;
    const r = await h1request(`${base}/video?size=100000`, { range: 'bytes=99000-' });
    expect(r.status).toBe(206);
    expect(r.body.equals(videoBytes(99000, 1000))).toBe(true);
    expect((await h1request(`${base}/video?size=10`, { range: 'bytes=10-' })).status).toBe(416);
    expect((await h1request(`${base}/small?size=5`)).body.equals(videoBytes(0, 5))).toBe(true);
  });

  it('echoes trailers over chunked HTTP/1.1', async () => {
    const { port } = origin.addresses.http!;
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      let text = '';
      socket.on('data', (c) => {
        text += c.toString();
        if (text.includes('x-sum: 9\r\n\r\n')) {
          socket.destroy();
          resolve(text);
        }
      });
      socket.on('error', reject);
      socket.write(
        'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTrailer: x-sum\r\n\r\n' +
          '5\r\nhello\r\n0\r\nx-sum: 9\r\n\r\n',
      );
    });
    expect(reply).toMatch(/^HTTP\/1\.1 200/);
    expect(reply).toContain('hello');
    expect(reply).toMatch(/\r\n0\r\nx-sum: 9\r\n\r\n$/);
  });
});

describe('pacing and errors', () => {
  it('?rate= paces the body (64 KiB at 256 KiB/s takes at least ~200 ms)', async () => {
    const session = connect(origin.urls.h2c!);
    try {
      const t0 = Date.now();
      const r = await h2request(session, '/video?size=65536&rate=262144');
      const took = Date.now() - t0;
      expect(countVideoMismatches(r.body, 0)).toBe(0);
      expect(r.body.length).toBe(65536);
      expect(took).toBeGreaterThanOrEqual(180);
    } finally {
      session.close();
    }
  });

  it('a port in use is a one-line error naming the listener and the cause', async () => {
    const port = origin.addresses.http!.port;
    await expect(startDemoOrigin({ http: { host: '127.0.0.1', port } })).rejects.toThrow(
      `demo origin: cannot listen (http) on 127.0.0.1:${port}: EADDRINUSE`,
    );
  });
});

/**
 * Node counts the bytes queued on a stream against its session's memory cap and never gives back
 * the bytes of a stream reset while they were queued. The client's one-byte window makes that
 * exact: the first DATA byte means the origin wrote its first 16 KiB chunk, and the rest of it
 * stays queued when the client resets the stream right there (a viewer's seek over a slow link).
 */
async function cancelsAfterFirstByte(url: string, count: number): Promise<Record<string, number>> {
  const session = http2.connect(url.replace(/^h2c:/, 'http:'), { rejectUnauthorized: false, settings: { initialWindowSize: 1 } });
  session.on('error', () => {});
  /** Streams per RST_STREAM code they closed with; 'session gone' once the origin tore the session down. */
  const codes: Record<string, number> = {};
  const note = (key: string): void => void (codes[key] = (codes[key] ?? 0) + 1);
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      if (session.closed || session.destroyed) return resolve(note('session gone'));
      const video = session.request({ ':path': '/video', range: 'bytes=0-' });
      video.on('error', () => {});
      video.once('data', () => video.close(http2.constants.NGHTTP2_CANCEL));
      video.once('close', () => resolve(note(String(video.rstCode))));
    });
  const lanes = 10;
  await Promise.all(Array.from({ length: lanes }, async () => {
    for (let i = 0; i < count / lanes; i++) await one();
  }));
  session.destroy();
  return codes;
}

describe('a session through many seeks', () => {
  // 10 MB (node's default cap) / 16 KiB ≈ 610 such cancels; nghttp2's reset guard allows 1000 at once.
  const CANCELS = 800;
  const { NGHTTP2_CANCEL, NGHTTP2_ENHANCE_YOUR_CALM } = http2.constants;

  it("node's default memory cap refuses streams after a few hundred cancels (the load is real)", async () => {
    const plain = http2.createServer(createDemoHandler({ videoSize: 1 << 20 }) as never);
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    try {
      const codes = await cancelsAfterFirstByte(`h2c://127.0.0.1:${(plain.address() as net.AddressInfo).port}`, CANCELS);
      expect(codes[NGHTTP2_ENHANCE_YOUR_CALM], JSON.stringify(codes)).toBeGreaterThan(0);
      expect(codes[NGHTTP2_CANCEL], JSON.stringify(codes)).toBeLessThan(CANCELS);
    } finally {
      plain.close();
    }
  });

  it.each(['tls', 'h2c'] as const)('the demo origin (%s) answers every stream', async (kind) => {
    const codes = await cancelsAfterFirstByte(origin.urls[kind]!, CANCELS);
    expect(codes).toEqual({ [NGHTTP2_CANCEL]: CANCELS });
  });
});
