import http from 'node:http';
import https from 'node:https';
import http2 from 'node:http2';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoOrigin, type DemoOrigin } from '../../origin/demo-origin.js';
import { countVideoMismatches, sseEventData, videoBytes } from '../../origin/content.js';

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

  it('streams SSE with consecutive ids and resumes after Last-Event-ID', async () => {
    const first = await h2request(session, '/events?interval=10&limit=5');
    expect(first.headers['content-type']).toBe('text/event-stream');
    const ids = [...first.body.toString().matchAll(/^id: (\d+)\ndata: (.*)$/gm)];
    expect(ids.map((m) => Number(m[1]))).toEqual([1, 2, 3, 4, 5]);
    for (const m of ids) expect(m[2]).toBe(sseEventData(Number(m[1])));
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
