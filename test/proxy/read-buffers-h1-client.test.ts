/**
 * An HTTP/1.1 client's response keeps what the proxy writes into it (Node's response queues the
 * very Buffer while the client does not read), so the DATA views of the upstream's reused read
 * buffers (h2/frame/read-buffers.ts) go to it as copies (ProxiedStream.writeBody, keepable). Here
 * an HTTP/1.1 download stalls with response bytes queued while an HTTP/2 download on the same
 * upstream session runs through those buffers again and again: both arrive as the origin sent them.
 */
import * as http2 from 'node:http2';
import * as https from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { randomBody } from '../helpers/bytes.js';
import { collect, connectH2, request, startTestProxy, type TestProxy } from '../helpers/h2-client.js';
import { testCert } from '../helpers/tls-cert.js';
import { waitFor } from '../helpers/wait.js';

const MiB = 1024 * 1024;
const STALLED = randomBody(4 * MiB, 21);
const BUSY = randomBody(24 * MiB, 22);

let origin: http2.Http2Server;
/** The origin's side of the stalled download. */
let stalledAtOrigin: http2.ServerHttp2Stream | undefined;
let proxy: TestProxy;
let session: http2.ClientHttp2Session | undefined;

beforeAll(async () => {
  // h2c: the upstream session reads into reused buffers.
  origin = http2.createServer({ settings: { initialWindowSize: MiB } }, (req, res) => {
    if (req.url === '/stalled') stalledAtOrigin = res.stream;
    res.end(req.url === '/stalled' ? STALLED : BUSY);
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  proxy = await startTestProxy(`h2c://127.0.0.1:${(origin.address() as AddressInfo).port}`);
});

afterAll(async () => {
  session?.destroy();
  await proxy.close();
  await new Promise<void>((resolve) => origin.close(() => resolve()));
});

test('an HTTP/1.1 download stalled with bytes queued arrives intact while another download reuses the read buffers', async () => {
  const reads = proxy.upstream.h2!.readBuffers;
  const { cert } = await testCert();
  const chunks: Buffer[] = [];
  const stalled = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = https.get(`${proxy.url}/stalled`, { ca: cert, agent: false }, (res) => {
      res.once('data', (c: Buffer) => {
        chunks.push(c);
        res.pause();
        resolve(res);
      });
    });
    req.on('error', reject);
  });
  expect(stalled.httpVersion).toBe('1.1');
  // The upstream window lets the whole body through: the proxy writes it into the stalled
  // response, which queues what the client's socket did not take (the very Buffers it was given).
  await waitFor('the origin to have sent the whole stalled body', () => stalledAtOrigin?.closed === true);
  const reusedBefore = reads.reused;

  session = await connectH2(proxy.url);
  const busy = await collect(request(session, '/busy'));
  expect(busy.status).toBe(200);
  expect(busy.body.equals(BUSY)).toBe(true);
  // Buffers went round while the stalled response held what it was given: the case this guards.
  expect(reads.reused - reusedBefore).toBeGreaterThan(100);

  const ended = new Promise<void>((resolve, reject) => {
    stalled.on('end', resolve);
    stalled.on('error', reject);
  });
  stalled.on('data', (c: Buffer) => chunks.push(c));
  stalled.resume();
  await ended;
  const got = Buffer.concat(chunks);
  expect(got.length).toBe(STALLED.length);
  expect(got.equals(STALLED)).toBe(true);
});
