/**
 * A raw HTTP/2 server for the client role's tests: it sends SETTINGS, acknowledges the client's,
 * answers PINGs, and answers each request (a HEADERS frame from the client) with whatever bytes
 * the test scripts — valid or not. It records every frame the client sends.
 *
 * Lifecycle: `close()` stops listening and destroys the sockets it accepted.
 */
import { once } from 'node:events';
import * as net from 'node:net';
import { CLIENT_PREFACE, FRAME_HEADER_LENGTH, FrameFlag, FrameType } from '../../../h2/frame/constants.js';
import { readFrameHeader, type FrameHeader } from '../../../h2/frame/codec.js';
import { frame, settingsFrame } from '../../helpers/raw-h2.js';

export interface ClientFrame extends FrameHeader {
  payload: Buffer;
}

export interface RawServer {
  port: number;
  /** Frames the client sent, over all connections. */
  readonly received: ClientFrame[];
  /** RST_STREAM codes the client sent, by stream. */
  rstCode(streamId: number): number | undefined;
  /** The error code of the client's last GOAWAY. */
  goawayCode(): number | undefined;
  /** Writes bytes to the connection accepted last (frames the test sends when it chooses). */
  send(bytes: Buffer): void;
  close(): Promise<void>;
}

/** `answer(streamId, nth)`: the bytes for the nth request (from 0) of the connection. */
export async function startRawServer(answer: (streamId: number, nth: number) => Buffer): Promise<RawServer> {
  const received: ClientFrame[] = [];
  const sockets = new Set<net.Socket>();
  let latest: net.Socket | undefined;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    latest = socket;
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
    socket.write(settingsFrame([]));
    let buffered = Buffer.alloc(0);
    let prefaceLeft = CLIENT_PREFACE.length;
    let nth = 0;
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (prefaceLeft > 0) {
        const n = Math.min(prefaceLeft, buffered.length);
        prefaceLeft -= n;
        buffered = buffered.subarray(n);
      }
      while (buffered.length >= FRAME_HEADER_LENGTH) {
        const header = readFrameHeader(buffered);
        const end = FRAME_HEADER_LENGTH + header.length;
        if (buffered.length < end) break;
        const got: ClientFrame = { ...header, payload: Buffer.from(buffered.subarray(FRAME_HEADER_LENGTH, end)) };
        buffered = buffered.subarray(end);
        received.push(got);
        if (got.type === FrameType.SETTINGS && !(got.flags & FrameFlag.ACK)) socket.write(frame(FrameType.SETTINGS, FrameFlag.ACK, 0));
        if (got.type === FrameType.PING && !(got.flags & FrameFlag.ACK)) socket.write(frame(FrameType.PING, FrameFlag.ACK, 0, got.payload));
        if (got.type === FrameType.HEADERS && got.flags & FrameFlag.END_HEADERS && !socket.destroyed) socket.write(answer(got.streamId, nth++));
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const last = (type: number, streamId?: number): ClientFrame | undefined => {
    for (let i = received.length - 1; i >= 0; i--) {
      const f = received[i]!;
      if (f.type === type && (streamId === undefined || f.streamId === streamId)) return f;
    }
    return undefined;
  };
  return {
    port: (server.address() as net.AddressInfo).port,
    received,
    rstCode: (streamId) => last(FrameType.RST_STREAM, streamId)?.payload.readUInt32BE(0),
    goawayCode: () => last(FrameType.GOAWAY)?.payload.readUInt32BE(4),
    send(bytes) {
      if (!latest) throw new Error('raw server: no connection to send on');
      latest.write(bytes);
    },
    async close() {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
