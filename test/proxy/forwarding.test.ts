/**
 * Every front (TLS h2, TLS HTTP/1.1, h2c) × every upstream (https h2, https HTTP/1.1 fallback,
 * h2c, http): a GET and an echoed POST arrive intact, with the proxy's header rules applied.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningProxy } from '../../proxy/start.js';
import { patternBytes, sha256 } from '../helpers/bytes.js';
import { connectH2, get } from '../helpers/h2-client.js';
import { startTestProxy } from '../helpers/h2-client.js';
import { h1Request } from '../helpers/h1-client.js';
import { startTestOrigin, type OriginKind, type TestOrigin } from '../helpers/origins.js';

type Front = 'tls-h2' | 'tls-http1' | 'h2c';

interface Exchange {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

async function send(proxy: RunningProxy, front: Front, path: string, body?: Buffer): Promise<Exchange> {
  if (front === 'tls-http1') return h1Request(proxy.url, path, { body });
  const session = await connectH2(front === 'h2c' ? proxy.h2cUrl! : proxy.url);
  try {
    return await get(session, path, { body });
  } finally {
    session.close();
  }
}

const upstreams: OriginKind[] = ['h2', 'h1-tls', 'h2c', 'h1'];
const fronts: Front[] = ['tls-h2', 'tls-http1', 'h2c'];

describe.each(upstreams)('origin %s', (kind) => {
  let origin: TestOrigin;
  let proxy: RunningProxy;
  beforeAll(async () => {
    origin = await startTestOrigin(kind);
    proxy = await startTestProxy(origin.url);
  });
  afterAll(async () => {
    await proxy.close();
    await origin.close();
  });

  test.each(fronts)('front %s: GET and POST arrive intact', async (front) => {
    const small = await send(proxy, front, '/small');
    expect(small.status).toBe(200);
    expect(small.body.toString()).toBe('hello from origin\n');
    const upstreamVersion = kind === 'h2' || kind === 'h2c' ? '2' : '1.1';
    expect(small.headers.via).toBe(`${upstreamVersion} h2race`);

    const payload = patternBytes(7, 300_000);
    const echoed = await send(proxy, front, '/echo', payload);
    expect(echoed.status).toBe(200);
    expect(sha256(echoed.body)).toBe(sha256(payload));

    const seen = JSON.parse((await send(proxy, front, '/headers')).body.toString()) as Record<string, string>;
    const downstreamVersion = front === 'tls-http1' ? '1.1' : '2';
    expect(seen.via).toBe(`${downstreamVersion} h2race`);
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen['x-forwarded-proto']).toBe(front === 'h2c' ? 'http' : 'https');
    expect(seen.forwarded).toMatch(/^for=127\.0\.0\.1;host="127\.0\.0\.1:\d+";proto=https?$/);
    const authority = seen[':authority'] ?? seen.host;
    expect(authority).toBe(new URL(front === 'h2c' ? proxy.h2cUrl! : proxy.url).host);
  });
});

describe('header rules', () => {
  let origin: TestOrigin;
  let proxy: RunningProxy;
  beforeAll(async () => {
    origin = await startTestOrigin('h1');
    proxy = await startTestProxy(origin.url);
  });
  afterAll(async () => {
    await proxy.close();
    await origin.close();
  });

  test('hop-by-hop headers, and those named by Connection, never reach the origin', async () => {
    const res = await h1Request(proxy.url, '/headers', {
      headers: { connection: 'keep-alive, x-secret-hop', 'x-secret-hop': '1', 'proxy-authorization': 'Basic eA==', te: 'trailers, deflate', 'x-end-to-end': 'kept' },
    });
    const seen = JSON.parse(res.body.toString()) as Record<string, string>;
    expect(seen['x-secret-hop']).toBeUndefined();
    expect(seen['proxy-authorization']).toBeUndefined();
    expect(seen.te).toBe('trailers'); // only the trailers token survives (gRPC needs it)
    expect(seen['x-end-to-end']).toBe('kept');
  });
});
