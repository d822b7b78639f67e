/**
 * A DATA frame split across the client's socket reads reaches the stream as views of those reads
 * (h2/frame/frame-reader.ts, dataPieces): all of it, in order, when the stream reads on; nothing
 * more once its handler reset it on an early piece, and the whole frame still credited to the
 * connection. The server writes the frame's tail only after the client has read its head, so
 * the frame is split every run.
 */
import { expect, it } from 'vitest';
import { ErrorCode, FrameType } from '../../../h2/frame/constants.js';
import type { ClientStream } from '../../../h2/proto/client-connection.js';
import { dataFrame, encodeHeaderBlock, headersFrame } from '../../helpers/raw-h2.js';
import { waitFor } from '../../helpers/wait.js';
import { exchange, type ConnectedClient } from './engine-client.js';
import type { RawServer } from './raw-server.js';
import { rawPeersAfterEach } from './raw-peers.js';

const peers = rawPeersAfterEach();

const PAYLOAD = Buffer.from(Array.from({ length: 40_000 }, (_, i) => (i * 7) % 251));
const FRAME = dataFrame(1, PAYLOAD, true);
// Over the default 16 KiB frame size: the client announces 64 KiB (a bigger frame, a bigger credit).
const HEAD_PART = 30_009;

/** Sends FRAME's first HEAD_PART bytes, waits until the client has read them, then the rest. */
async function sendSplit(s: RawServer, c: ConnectedClient): Promise<void> {
  const before = c.socket.bytesRead;
  s.send(FRAME.subarray(0, HEAD_PART));
  await waitFor('the client read the frame head', () => c.socket.bytesRead >= before + HEAD_PART);
  s.send(FRAME.subarray(HEAD_PART));
}

it('a split DATA frame arrives whole and in order, in more than one piece, and the stream ends', async () => {
  const server = await peers.server((id) => headersFrame(id, encodeHeaderBlock([[':status', '200']]), { endStream: false }));
  const client = peers.client(server.port, false, { settings: { maxFrameSize: 65_536 } });
  const got = exchange(client.connection, '/');
  await waitFor('the response head', () => got.status === 200);
  await sendSplit(server, client);
  expect(await got.done).toEqual({ kind: 'end' });
  expect(got.body().equals(PAYLOAD)).toBe(true);
  expect(got.chunks.length).toBeGreaterThan(1);
});

it('a stream reset on the first piece gets no more of the frame, and the connection gets the whole frame back', async () => {
  const server = await peers.server((id) => headersFrame(id, encodeHeaderBlock([[':status', '200']]), { endStream: false }));
  // The smallest connection window: the frame's credit (over half of it) is announced at once.
  const client = peers.client(server.port, false, { connectionWindowSize: 65_535, settings: { maxFrameSize: 65_536 } });
  const pieces: number[] = [];
  let status = 0;
  const stream: ClientStream = client.connection.request(
    { method: 'GET', scheme: 'https', authority: 'localhost', path: '/' },
    {
      onResponse: (s) => (status = s),
      onData(chunk) {
        pieces.push(chunk.length);
        stream.reset(ErrorCode.CANCEL);
      },
    },
    { endStream: true },
  );
  await waitFor('the response head', () => status === 200);
  await sendSplit(server, client);
  await waitFor('the RST_STREAM', () => server.rstCode(1) !== undefined);
  expect(server.rstCode(1)).toBe(ErrorCode.CANCEL);
  const credited = () => server.received.filter((f) => f.type === FrameType.WINDOW_UPDATE && f.streamId === 0).reduce((sum, f) => sum + (f.payload.readUInt32BE(0) & 0x7fffffff), 0);
  await waitFor('the connection credit', () => credited() >= PAYLOAD.length);
  expect(credited()).toBe(PAYLOAD.length);
  expect(pieces).toHaveLength(1);
  expect(pieces[0]).toBeLessThan(PAYLOAD.length);
});
