/** A raw HTTP/2 client for hostile input: writes exact bytes, reads frames until the server closes. */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { CLIENT_PREFACE, FRAME_HEADER_LENGTH, FrameType } from '../../faults/frames/constants.js';
import { readFrameHeader, writeFrameHeader, type FrameHeader } from '../../faults/frames/codec.js';
import type { FrameServer } from './harness.js';

export function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0), length = payload.length): Buffer {
  const bytes = Buffer.alloc(FRAME_HEADER_LENGTH + payload.length);
  writeFrameHeader(bytes, { length, type, flags, streamId });
  payload.copy(bytes, FRAME_HEADER_LENGTH);
  return bytes;
}

/** What a well-behaved client starts with. */
export const GOOD_START = Buffer.concat([CLIENT_PREFACE, frame(FrameType.SETTINGS, 0, 0)]);

export interface RawResult {
  frames: Array<FrameHeader & { payload: Buffer }>;
  goaway?: { lastStreamId: number; errorCode: number };
  closed: boolean;
}

/**
 * Sends `bytes` and collects the server's frames until it closes the connection, or until `until`
 * holds for what arrived (bounded by `timeoutMs` either way).
 */
export async function sendRaw(
  server: FrameServer,
  bytes: Buffer | Buffer[],
  { timeoutMs = 5000, until }: { timeoutMs?: number; until?: (result: RawResult) => boolean } = {},
): Promise<RawResult> {
  const url = new URL(server.url);
  const socket: net.Socket = server.tls
    ? tls.connect({ host: url.hostname, port: Number(url.port), ALPNProtocols: ['h2'], rejectUnauthorized: false })
    : net.connect(Number(url.port), url.hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once(server.tls ? 'secureConnect' : 'connect', resolve);
    socket.once('error', reject);
  });
  const chunks: Buffer[] = [];
  socket.on('error', () => {});
  const closed = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      if (until?.(parseFrames(Buffer.concat(chunks), false))) {
        clearTimeout(timer);
        resolve(false);
      }
    });
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
    for (const b of Array.isArray(bytes) ? bytes : [bytes]) socket.write(b);
  });
  socket.destroy();
  return parseFrames(Buffer.concat(chunks), closed);
}

function parseFrames(data: Buffer, closed: boolean): RawResult {
  const result: RawResult = { frames: [], closed };
  for (let at = 0; at + FRAME_HEADER_LENGTH <= data.length; ) {
    const h = readFrameHeader(data, at);
    if (at + FRAME_HEADER_LENGTH + h.length > data.length) break;
    const payload = data.subarray(at + FRAME_HEADER_LENGTH, at + FRAME_HEADER_LENGTH + h.length);
    result.frames.push({ ...h, payload });
    if (h.type === FrameType.GOAWAY) result.goaway = { lastStreamId: payload.readUInt32BE(0), errorCode: payload.readUInt32BE(4) };
    at += FRAME_HEADER_LENGTH + h.length;
  }
  return result;
}
