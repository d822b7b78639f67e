/**
 * Writes frames into buffers the caller provides (a pool lease, in the engine): each function
 * fills `buf` from offset 0, header included, and its `...Length` twin says how many bytes to
 * acquire first. Nothing here allocates.
 */
import { FRAME_HEADER_LENGTH, FrameFlag, FrameType } from './constants.js';
import { writeFrameHeader } from './codec.js';

export const RST_STREAM_LENGTH = FRAME_HEADER_LENGTH + 4;
export const WINDOW_UPDATE_LENGTH = FRAME_HEADER_LENGTH + 4;
export const PING_LENGTH = FRAME_HEADER_LENGTH + 8;

export function writeRstStream(buf: Buffer, streamId: number, errorCode: number): void {
  writeFrameHeader(buf, { length: 4, type: FrameType.RST_STREAM, flags: 0, streamId });
  buf.writeUInt32BE(errorCode >>> 0, FRAME_HEADER_LENGTH);
}

export function writeWindowUpdate(buf: Buffer, streamId: number, increment: number): void {
  writeFrameHeader(buf, { length: 4, type: FrameType.WINDOW_UPDATE, flags: 0, streamId });
  buf.writeUInt32BE(increment & 0x7fffffff, FRAME_HEADER_LENGTH);
}

/** `opaque` is the 8 bytes of data (§6.7): an ACK echoes the PING's. */
export function writePing(buf: Buffer, opaque: Buffer, ack: boolean): void {
  writeFrameHeader(buf, { length: 8, type: FrameType.PING, flags: ack ? FrameFlag.ACK : 0, streamId: 0 });
  opaque.copy(buf, FRAME_HEADER_LENGTH, 0, 8);
}

export function settingsLength(entries: number): number {
  return FRAME_HEADER_LENGTH + entries * 6;
}

/** SETTINGS with `entries` as [id, value] pairs; none with `ack`. */
export function writeSettings(buf: Buffer, entries: ReadonlyArray<readonly [number, number]>, ack = false): void {
  writeFrameHeader(buf, { length: entries.length * 6, type: FrameType.SETTINGS, flags: ack ? FrameFlag.ACK : 0, streamId: 0 });
  let at = FRAME_HEADER_LENGTH;
  for (const [id, value] of entries) {
    buf.writeUInt16BE(id, at);
    buf.writeUInt32BE(value >>> 0, at + 2);
    at += 6;
  }
}

export function goawayLength(debug: Buffer): number {
  return FRAME_HEADER_LENGTH + 8 + debug.length;
}

export function writeGoaway(buf: Buffer, lastStreamId: number, errorCode: number, debug: Buffer): void {
  writeFrameHeader(buf, { length: 8 + debug.length, type: FrameType.GOAWAY, flags: 0, streamId: 0 });
  buf.writeUInt32BE(lastStreamId & 0x7fffffff, FRAME_HEADER_LENGTH);
  buf.writeUInt32BE(errorCode >>> 0, FRAME_HEADER_LENGTH + 4);
  debug.copy(buf, FRAME_HEADER_LENGTH + 8);
}

/** GOAWAY's debug data: at most 256 bytes of the text (a reason, not a log). */
export function goawayDebug(text: string): Buffer {
  return Buffer.from(text.slice(0, 256), 'utf8');
}

/** A RST_STREAM frame in a buffer of its own (h2race's injected resets, tests). */
export function encodeRstStream(streamId: number, errorCode: number): Buffer {
  const frame = Buffer.allocUnsafe(RST_STREAM_LENGTH);
  writeRstStream(frame, streamId, errorCode);
  return frame;
}
