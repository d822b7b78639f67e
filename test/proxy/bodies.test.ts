/**
 * Bodies and the exchange around them: big Range downloads and uploads byte-exact, trailers both
 * ways, 206/416 untouched, HEAD, 103 Early Hints and 100-continue.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { StreamEndRecord } from '../../proxy/events.js';
import { patternBytes, sha256 } from '../helpers/bytes.js';
import { collect, connectH2, get, request, startTestProxy, type TestProxy } from '../helpers/h2-client.js';
import { h1Request } from '../helpers/h1-client.js';
import { startTestOrigin, type TestOrigin } from '../helpers/origins.js';
import { testCert } from '../helpers/tls-cert.js';
import { waitFor } from '../helpers/wait.js';

const MiB = 1024 * 1024;

describe.each(['h2', 'h1'] as const)('origin %s', (kind) => {
  let origin: TestOrigin;
  let proxy: TestProxy;
  const ends: StreamEndRecord[] = [];
  beforeAll(async () => {
    origin = await startTestOrigin(kind);
    proxy = await startTestProxy(origin.url);
    proxy.events.on('stream-end', (e) => ends.push(e));
  });
  afterAll(async () => {
    await proxy.close();
    await origin.close();
  });

  test('a 20 MiB Range download is byte-exact (206 with its content-range)', async () => {
    const session = await connectH2(proxy.url);
    const size = 24 * MiB;
    const from = 3 * MiB + 17;
    const to = from + 20 * MiB - 1;
    const res = await get(session, `/bytes?size=${size}`, { headers: { range: `bytes=${from}-${to}` } });
    session.close();
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes ${from}-${to}/${size}`);
    expect(res.body.length).toBe(20 * MiB);
    expect(sha256(res.body)).toBe(sha256(patternBytes(from, 20 * MiB)));
  });

  test(`a 10 MiB POST is echoed with a matching SHA-256 (client ${kind === 'h2' ? 'HTTP/2' : 'HTTP/1.1'})`, async () => {
    const payload = patternBytes(1, 10 * MiB);
    let echoed: { body: Buffer };
    if (kind === 'h2') {
      const session = await connectH2(proxy.url);
      echoed = await get(session, '/echo', { body: payload });
      session.close();
    } else {
      echoed = await h1Request(proxy.url, '/echo', { body: payload });
    }
    expect(sha256(echoed.body)).toBe(sha256(payload));
    await waitFor('the stream-end record', () => ends.some((e) => e.path === '/echo' && e.bytesIn === payload.length));
    expect(ends.find((e) => e.path === '/echo' && e.bytesIn === payload.length)).toMatchObject({ outcome: 'completed', bytesOut: payload.length });
  });

  test('an unsatisfiable range gets the origin\'s 416; HEAD gets headers only', async () => {
    const session = await connectH2(proxy.url);
    const bad = await get(session, '/bytes?size=1000', { headers: { range: 'bytes=5000-' } });
    expect(bad.status).toBe(416);
    expect(bad.headers['content-range']).toBe('bytes */1000');
    const head = await get(session, '/bytes?size=12345', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('12345');
    expect(head.body.length).toBe(0);
    session.close();
    const headH1 = await h1Request(proxy.url, '/bytes?size=12345', { method: 'HEAD' });
    expect(headH1.headers['content-length']).toBe('12345');
    expect(headH1.body.length).toBe(0);
  });

  test('trailers pass both ways', async () => {
    const session = await connectH2(proxy.url);
    const res = await get(session, '/echo', { body: Buffer.from('grpc-ish'), headers: { te: 'trailers' }, trailers: { 'grpc-status': '0', 'x-sum': 'abc' } });
    session.close();
    expect(res.body.toString()).toBe('grpc-ish');
    expect(res.trailers?.['x-echo-sha256']).toBe(sha256(Buffer.from('grpc-ish')));
    expect(res.trailers?.['x-echo-x-sum']).toBe('abc');
    expect(res.trailers?.['x-echo-grpc-status']).toBe('0');
  });

  test('103 Early Hints reach an HTTP/2 client before the final response', async () => {
    const session = await connectH2(proxy.url);
    const stream = request(session, '/early-hints');
    const hints: unknown[] = [];
    stream.on('headers', (h) => hints.push(h));
    const res = await collect(stream);
    session.close();
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('after hints');
    expect(hints).toEqual([expect.objectContaining({ ':status': 103, link: '</style.css>; rel=preload; as=style' })]);
  });

  test('curl with Expect: 100-continue gets its upload through over HTTP/1.1', async () => {
    const { certPath } = await testCert();
    const payload = patternBytes(9, 2 * MiB);
    const curl = spawn('curl', ['-sS', '--http1.1', '--cacert', certPath, '-H', 'Expect: 100-continue', '--data-binary', '@-', '-o', '-', '-w', '\\n%{http_code}', `${proxy.url}/echo`]);
    curl.stdin.end(payload);
    const out: Buffer[] = [];
    curl.stdout.on('data', (c: Buffer) => out.push(c));
    const [code] = await once(curl, 'close');
    expect(code).toBe(0);
    const all = Buffer.concat(out);
    expect(all.subarray(all.length - 4).toString()).toBe('\n200');
    expect(sha256(all.subarray(0, all.length - 4))).toBe(sha256(payload));
  });
});
