/** A malformed inbound frame fails that connection (GOAWAY with the right code), nothing else. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_PREFACE, ErrorCode, FrameFlag, FrameType } from '../../h2/frame/constants.js';
import { createBufferPool } from '../../faults/pool/create-pool.js';
import { closeClient, connect, get, startFrameServer, type FrameServer } from './harness.js';
import { connectRaw, frame, settingsFrame, type RawH2 } from '../helpers/raw-h2.js';

/** What a well-behaved client starts with. */
const GOOD_START = Buffer.concat([CLIENT_PREFACE, settingsFrame([])]);

/** A raw connection to `server` that has sent nothing yet. */
function connectSilent(server: FrameServer): Promise<RawH2> {
  return connectRaw({ port: Number(new URL(server.url).port), tls: server.tls, preface: false });
}

const u32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v);
  return b;
};

const CASES: Array<[string, Buffer, number]> = [
  ['bad preface', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), ErrorCode.PROTOCOL_ERROR],
  ['preface not followed by SETTINGS', Buffer.concat([CLIENT_PREFACE, frame(FrameType.PING, 0, 0, Buffer.alloc(8))]), ErrorCode.PROTOCOL_ERROR],
  ['DATA on stream 0', Buffer.concat([GOOD_START, frame(FrameType.DATA, 0, 0, Buffer.from('hi'))]), ErrorCode.PROTOCOL_ERROR],
  ['HEADERS on stream 0', Buffer.concat([GOOD_START, frame(FrameType.HEADERS, FrameFlag.END_HEADERS, 0, Buffer.from([0x82]))]), ErrorCode.PROTOCOL_ERROR],
  ['SETTINGS on stream 1', Buffer.concat([GOOD_START, frame(FrameType.SETTINGS, 0, 1)]), ErrorCode.PROTOCOL_ERROR],
  ['PING on stream 3', Buffer.concat([GOOD_START, frame(FrameType.PING, 0, 3, Buffer.alloc(8))]), ErrorCode.PROTOCOL_ERROR],
  ['GOAWAY on stream 1', Buffer.concat([GOOD_START, frame(FrameType.GOAWAY, 0, 1, Buffer.alloc(8))]), ErrorCode.PROTOCOL_ERROR],
  ['RST_STREAM of 3 bytes', Buffer.concat([GOOD_START, frame(FrameType.RST_STREAM, 0, 1, Buffer.alloc(3))]), ErrorCode.FRAME_SIZE_ERROR],
  ['RST_STREAM on stream 0', Buffer.concat([GOOD_START, frame(FrameType.RST_STREAM, 0, 0, u32(8))]), ErrorCode.PROTOCOL_ERROR],
  ['PING of 7 bytes', Buffer.concat([GOOD_START, frame(FrameType.PING, 0, 0, Buffer.alloc(7))]), ErrorCode.FRAME_SIZE_ERROR],
  ['SETTINGS of 5 bytes', Buffer.concat([GOOD_START, frame(FrameType.SETTINGS, 0, 0, Buffer.alloc(5))]), ErrorCode.FRAME_SIZE_ERROR],
  ['SETTINGS_ENABLE_PUSH = 2', Buffer.concat([GOOD_START, frame(FrameType.SETTINGS, 0, 0, Buffer.from([0, 2, 0, 0, 0, 2]))]), ErrorCode.PROTOCOL_ERROR],
  ['oversized frame (20000 > 16384)', Buffer.concat([GOOD_START, frame(FrameType.DATA, 0, 1, Buffer.alloc(20_000))]), ErrorCode.FRAME_SIZE_ERROR],
  ['CONTINUATION without HEADERS', Buffer.concat([GOOD_START, frame(FrameType.CONTINUATION, FrameFlag.END_HEADERS, 1, Buffer.from([0x82]))]), ErrorCode.PROTOCOL_ERROR],
  ['PUSH_PROMISE from a client', Buffer.concat([GOOD_START, frame(FrameType.PUSH_PROMISE, FrameFlag.END_HEADERS, 1, u32(2))]), ErrorCode.PROTOCOL_ERROR],
  ['padding longer than the DATA', Buffer.concat([GOOD_START, frame(FrameType.DATA, FrameFlag.PADDED, 1, Buffer.from([9, 1, 2]))]), ErrorCode.PROTOCOL_ERROR],
];

describe.each([false, true])('malformed inbound frames (tls=%s)', (tls) => {
  let server: FrameServer;
  beforeAll(async () => {
    server = await startFrameServer({
      tls,
      pool: createBufferPool('retain'),
      handler: (stream) => {
        stream.respond({ ':status': 200 });
        stream.end('fine');
      },
    });
  });
  afterAll(async () => {
    await server.close();
    expect(server.pool.stats().inUse).toBe(0);
  });

  it.each(CASES)('%s: GOAWAY with the right code, the connection closes, another one keeps working', async (_name, bytes, code) => {
    const healthy = connect(server);
    expect((await get(healthy, '/before')).body.toString()).toBe('fine');
    const raw = await connectSilent(server);
    await raw.send(bytes);
    const closed = await raw.waitForClose(5000);
    raw.close();
    expect(raw.goaway?.errorCode, JSON.stringify(server.seen.slice(-3))).toBe(code);
    expect(closed).toBe(true);
    expect((await get(healthy, '/after')).body.toString()).toBe('fine');
    await closeClient(healthy);
  });

  it('a frame split into single bytes is still parsed and served', async () => {
    const client = connect(server);
    expect((await get(client, '/x')).status).toBe(200);
    await closeClient(client);
    const bytes = Buffer.concat([GOOD_START, frame(FrameType.PING, 0, 0, Buffer.from('12345678'))]);
    const raw = await connectSilent(server);
    for (const b of bytes) await raw.send(Buffer.from([b]));
    await raw.waitFor(() => raw.count(FrameType.PING) > 0, 5000);
    raw.close();
    const pingAck = raw.framesOf(FrameType.PING)[0];
    expect(pingAck?.flags).toBe(FrameFlag.ACK);
    expect(pingAck?.payload.toString()).toBe('12345678');
  });
});
