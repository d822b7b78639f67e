/**
 * An origin's RST_STREAM(NO_ERROR) that overtakes its END_STREAM: node:http2 origins do this when
 * their connection send window holds the final DATA back (its RST_STREAM does not wait for
 * flow-controlled frames) — compare's window models, at a 65,535 upstream window, met it on every
 * slow preset. With every byte of the content-length in, h2race ends the client's response as
 * whole; a body short of its content-length still fails (RST_STREAM INTERNAL_ERROR to the client).
 *
 * The origin here writes those frames itself, in that order, so the case is exact.
 */
import { once } from 'node:events';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { ErrorCode, FRAME_HEADER_LENGTH, FrameFlag, FrameType } from '../../h2/frame/constants.js';
import { readFrameHeader } from '../../h2/frame/codec.js';
import { startH2race } from '../../proxy/h2race.js';
import { createProxyEvents } from '../../proxy/events.js';
import { cleanupsAfterEach } from '../helpers/cleanups.js';
import { connectH2 } from '../helpers/h2-client.js';
import { dataFrame, encodeHeaderBlock, frame, headersFrame, rstFrame, settingsFrame } from '../helpers/raw-h2.js';

const cleanups = cleanupsAfterEach();
const PREFACE_LENGTH = 24;

/** An h2c origin that answers each request with a head, `body`, and RST_STREAM(NO_ERROR) instead of END_STREAM. */
async function startResettingOrigin(contentLength: number, body: Buffer): Promise<{ port: number; connections(): number }> {
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    socket.on('error', () => {});
    socket.write(settingsFrame([]));
    let buffered = Buffer.alloc(0);
    let prefaceSeen = false;
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (!prefaceSeen) {
        if (buffered.length < PREFACE_LENGTH) return;
        buffered = buffered.subarray(PREFACE_LENGTH);
        prefaceSeen = true;
      }
      while (buffered.length >= FRAME_HEADER_LENGTH) {
        const header = readFrameHeader(buffered);
        if (buffered.length < FRAME_HEADER_LENGTH + header.length) return;
        buffered = buffered.subarray(FRAME_HEADER_LENGTH + header.length);
        if (header.type === FrameType.SETTINGS && !(header.flags & FrameFlag.ACK)) socket.write(frame(FrameType.SETTINGS, FrameFlag.ACK, 0));
        if (header.type !== FrameType.HEADERS) continue;
        const head = encodeHeaderBlock([[':status', '200'], ['content-length', String(contentLength)]]);
        socket.write(Buffer.concat([headersFrame(header.streamId, head, { endStream: false }), dataFrame(header.streamId, body), rstFrame(header.streamId, ErrorCode.NO_ERROR)]));
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => new Promise((r) => server.close(r)));
  return { port: (server.address() as net.AddressInfo).port, connections: () => connections };
}

async function proxyTo(originPort: number): Promise<http2.ClientHttp2Session> {
  const h2race = await startH2race({ events: createProxyEvents(), listen: '127.0.0.1:0', origin: `h2c://127.0.0.1:${originPort}`, shutdownTimeoutMs: 200 });
  cleanups.push(() => h2race.close());
  const client = await connectH2(h2race.proxy.url, { rejectUnauthorized: false });
  cleanups.push(() => client.destroy());
  return client;
}

describe.each([
  { contentLength: 5, whole: true },
  { contentLength: 10, whole: false },
])('content-length $contentLength, 5 bytes, then RST_STREAM(NO_ERROR)', ({ contentLength, whole }) => {
  it(whole ? 'the client gets the whole response, ended' : 'the client gets RST_STREAM(INTERNAL_ERROR)', async () => {
    const body = Buffer.from('hello');
    const client = await proxyTo((await startResettingOrigin(contentLength, body)).port);

    const stream = client.request({ ':path': '/' });
    stream.on('error', () => {});
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    const [head] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
    await new Promise((resolve) => stream.on('close', resolve));
    expect(head[':status']).toBe(200);
    expect(stream.rstCode).toBe(whole ? ErrorCode.NO_ERROR : ErrorCode.INTERNAL_ERROR);
    // A failed stream's queued bytes may be dropped with it; a whole one has them all.
    if (whole) expect(Buffer.concat(chunks).equals(body)).toBe(true);
  });
});

it("hundreds of responses ended so, at once, are no RST_STREAM flood: h2race's upstream session carries them all", async () => {
  const RESPONSES = 400; // beyond the engine's rapid-reset burst (300), within a second
  const body = Buffer.from('hello');
  const origin = await startResettingOrigin(body.length, body);
  const client = await proxyTo(origin.port);
  const bodies = await Promise.all(
    Array.from({ length: RESPONSES }, () => new Promise<string>((resolve, reject) => {
      const stream = client.request({ ':path': '/' });
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', reject);
      stream.on('close', () => (stream.rstCode === ErrorCode.NO_ERROR ? resolve(Buffer.concat(chunks).toString()) : reject(new Error(`RST_STREAM ${stream.rstCode}`))));
    })),
  );
  expect(bodies).toEqual(Array(RESPONSES).fill('hello'));
  expect(origin.connections()).toBe(1);
});
