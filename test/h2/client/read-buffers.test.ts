/**
 * The client role over a socket that reads into reused buffers (h2/frame/read-buffers.ts): what
 * the engine keeps of a read past its callback is held or copied, so a later read into the same
 * buffer never changes it. A raw server writes a frame's tail (or a header block's CONTINUATION)
 * only after the client has read its head, so every run splits it across reads.
 */
import * as net from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { connectSocket } from '../../../h2/client.js';
import type { ClientConnection } from '../../../h2/proto/client-connection.js';
import { ReadBuffers } from '../../../h2/frame/read-buffers.js';
import { randomBody } from '../../helpers/bytes.js';
import { continuationFrame, dataFrame, encodeHeaderBlock, headersFrame } from '../../helpers/raw-h2.js';
import { waitFor } from '../../helpers/wait.js';
import { startRawServer, type RawServer } from './raw-server.js';

let server: RawServer | undefined;
let socket: net.Socket | undefined;

afterEach(async () => {
  socket?.destroy();
  socket = undefined;
  await server?.close();
  server = undefined;
});

const PAYLOAD = randomBody(40_000, 12);
const FRAME = dataFrame(1, PAYLOAD, true);
const HEAD_PART = 30_009;
const OK_HEAD = headersFrame(1, encodeHeaderBlock([[':status', '200']]), { endStream: false });

interface Received {
  status: number;
  fields: string[];
  /** Copies of what onData gave: the test keeps them past the call. */
  body: Buffer[];
  /** The size of the memory each onData chunk was a view of (a read buffer's is 64 KiB). */
  backing: number[];
  ended: boolean;
}

/** A client over a socket reading into `buffers`; its one request's response is recorded. */
function connect(port: number, buffers: ReadBuffers): { connection: ClientConnection; got: Received } {
  const reads = buffers.forSocket();
  socket = net.connect({ host: '127.0.0.1', port, onread: reads.onread });
  reads.attach(socket);
  const connection = connectSocket(socket, { settings: { maxFrameSize: 65_536 } })!;
  const got: Received = { status: 0, fields: [], body: [], backing: [], ended: false };
  const stream = connection.request(
    { method: 'GET', scheme: 'http', authority: 'localhost', path: '/' },
    {
      onResponse: (status, fields) => {
        got.status = status;
        got.fields = fields;
      },
      onData: (chunk) => {
        got.body.push(Buffer.from(chunk));
        got.backing.push(chunk.buffer.byteLength);
        stream.consumed(chunk.length);
      },
      onEnd: () => (got.ended = true),
    },
    { endStream: true },
  );
  return { connection, got };
}

/** Sends `bytes`, and resolves once the client has read them all. */
async function sendRead(s: RawServer, bytes: Buffer): Promise<void> {
  const before = socket!.bytesRead;
  s.send(bytes);
  await waitFor('the client read what was sent', () => socket!.bytesRead >= before + bytes.length);
}

it('a DATA frame split across reads keeps its first read held until the frame is whole, then every buffer is free again', async () => {
  const buffers = new ReadBuffers();
  server = await startRawServer(() => OK_HEAD);
  const { got } = connect(server.port, buffers);
  await waitFor('the response head', () => got.status === 200);
  await sendRead(server, FRAME.subarray(0, HEAD_PART));
  // The frame's head is a view of that read: its buffer is held, the next read goes elsewhere.
  const heldAtHead = buffers.held;
  await sendRead(server, FRAME.subarray(HEAD_PART));
  await waitFor('the end of the response', () => got.ended);
  expect(Buffer.concat(got.body).equals(PAYLOAD)).toBe(true);
  expect(got.body.length).toBeGreaterThan(1);
  expect(heldAtHead).toBe(1);
  expect(buffers.held).toBe(0);
  // The held one went back free; the socket reads into the other.
  expect(buffers.allocated).toBe(2);
  expect(buffers.freeCount).toBe(1);
  expect(buffers.reading).toBe(1);
});

it('the piece that completes a split DATA frame reaches onData as a view of its read, not a copy, and is not held', async () => {
  const buffers = new ReadBuffers();
  server = await startRawServer(() => OK_HEAD);
  const { got } = connect(server.port, buffers);
  await waitFor('the response head', () => got.status === 200);
  // The last 1 000 bytes come in a read of their own: under MIN_HELD_VIEW, keeping them would copy.
  const first = FRAME.length - 1_000;
  await sendRead(server, FRAME.subarray(0, first));
  await sendRead(server, FRAME.subarray(first));
  await waitFor('the end of the response', () => got.ended);
  expect(Buffer.concat(got.body).equals(PAYLOAD)).toBe(true);
  expect(got.body.at(-1)!.length).toBe(1_000);
  expect(got.backing.at(-1)).toBe(64 * 1024);
  expect(buffers.held).toBe(0);
});

it('a connection that closes with a split frame pending lets its read go', async () => {
  const buffers = new ReadBuffers();
  server = await startRawServer(() => OK_HEAD);
  const { got } = connect(server.port, buffers);
  await waitFor('the response head', () => got.status === 200);
  await sendRead(server, FRAME.subarray(0, HEAD_PART));
  expect(buffers.held).toBe(1);
  await server.close();
  server = undefined;
  await waitFor('the client socket to close', () => socket!.destroyed && buffers.reading === 0);
  expect(buffers.held).toBe(0);
  expect(buffers.freeCount).toBe(buffers.allocated);
});

it('a header block whose CONTINUATION comes in a later read decodes as sent', async () => {
  const buffers = new ReadBuffers();
  const long = 'v'.repeat(6_000);
  const block = encodeHeaderBlock([[':status', '200'], ['x-long', long]]);
  const half = block.length >> 1;
  server = await startRawServer(() => headersFrame(1, block.subarray(0, half), { endStream: true, endHeaders: false }));
  const { got } = connect(server.port, buffers);
  // SETTINGS, the ACK of ours, then the HEADERS frame with half the block.
  await waitFor('the HEADERS frame read', () => socket!.bytesRead >= 9 + 9 + 9 + half);
  // The same buffer is read into again (nothing holds it): the fragment kept must be a copy.
  await sendRead(server, continuationFrame(1, block.subarray(half), true));
  await waitFor('the response', () => got.ended);
  expect(got.status).toBe(200);
  expect(got.fields).toEqual(['x-long', long]);
  expect(buffers.allocated).toBe(1);
});

it.each([
  // `first`: bytes of the frame in the first read (its 9-byte header, then payload).
  { what: 'a piece under MIN_HELD_VIEW bytes', buffers: () => new ReadBuffers(), first: 9 + 1_000 },
  { what: 'a piece past the hold limit', buffers: () => new ReadBuffers(64, 0), first: HEAD_PART },
])('$what is copied, not held: the frame arrives intact with no buffer held', async ({ buffers: make, first }) => {
  const buffers = make();
  server = await startRawServer(() => OK_HEAD);
  const { got } = connect(server.port, buffers);
  await waitFor('the response head', () => got.status === 200);
  await sendRead(server, FRAME.subarray(0, first));
  const heldAtHead = buffers.held;
  await sendRead(server, FRAME.subarray(first));
  await waitFor('the end of the response', () => got.ended);
  expect(Buffer.concat(got.body).equals(PAYLOAD)).toBe(true);
  expect(heldAtHead).toBe(0);
  // One buffer did it all: each read went into the one the last one left free.
  expect(buffers.allocated).toBe(1);
});
