/**
 * Parsing and validation of HTTP/2 frames (RFC 9113 §4.1, §6). Pure functions over buffers: the
 * reader (the engine's connection) decides what a violation does to the connection.
 */
import {
  ErrorCode,
  FRAME_HEADER_LENGTH,
  FrameFlag,
  FrameType,
  MAX_ALLOWED_FRAME_SIZE,
  MAX_WINDOW_SIZE,
  SettingId,
  frameTypeName,
  settingName,
} from './constants.js';

export interface FrameHeader {
  /** Payload length (the 24-bit field), not counting the 9 header bytes. */
  length: number;
  type: number;
  flags: number;
  /** The 31-bit stream identifier; the reserved bit is ignored as §4.1 requires. */
  streamId: number;
}

/** A violation that fails the connection, with the GOAWAY code it calls for. */
export class FrameError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

/**
 * The 9 octets at `offset`; fewer there is the caller's bug (RangeError). Octet by octet, as
 * writeFrameHeader: Buffer's readUIntBE / readUInt32BE check their arguments on every call.
 */
export function readFrameHeader(buf: Buffer, offset = 0): FrameHeader {
  if (offset < 0 || buf.length - offset < FRAME_HEADER_LENGTH) throw new RangeError(`frame header: ${buf.length - offset} octets at offset ${offset}, 9 needed`);
  return {
    length: (buf[offset]! << 16) | (buf[offset + 1]! << 8) | buf[offset + 2]!,
    type: buf[offset + 3]!,
    flags: buf[offset + 4]!,
    streamId: ((buf[offset + 5]! & 0x7f) << 24) | (buf[offset + 6]! << 16) | (buf[offset + 7]! << 8) | buf[offset + 8]!,
  };
}

/** Writes `h` at `offset`. No room for 9 octets, or a length that 24 bits cannot hold, is the caller's bug (RangeError). */
export function writeFrameHeader(buf: Buffer, h: FrameHeader, offset = 0): void {
  const { length, streamId } = h;
  if (offset < 0 || buf.length - offset < FRAME_HEADER_LENGTH) throw new RangeError(`frame header: ${buf.length - offset} octets at offset ${offset}, 9 needed`);
  if (!(length >= 0 && length <= 0xffffff)) throw new RangeError(`frame length ${length} outside 0..2^24-1`);
  buf[offset] = length >>> 16;
  buf[offset + 1] = length >>> 8;
  buf[offset + 2] = length;
  buf[offset + 3] = h.type;
  buf[offset + 4] = h.flags;
  buf[offset + 5] = (streamId >>> 24) & 0x7f;
  buf[offset + 6] = streamId >>> 16;
  buf[offset + 7] = streamId >>> 8;
  buf[offset + 8] = streamId;
}

export function describeFrame(h: FrameHeader): string {
  return `${frameTypeName(h.type)} stream=${h.streamId} length=${h.length} flags=0x${h.flags.toString(16)}`;
}

/** A violation by frame `h`; the description is built only here, off the path of valid frames. */
export function frameError(h: FrameHeader, code: number, problem: string): FrameError {
  return new FrameError(code, `${describeFrame(h)}: ${problem}`);
}

/**
 * §6's rules by frame type (0-255), read with one index per frame instead of Set and Map lookups:
 * where a type may go (a stream, or the connection only), and the exact payload length some have
 * (-1: none fixed).
 */
const ON_STREAM_ONLY = 1;
const ON_CONNECTION_ONLY = 2;
const PLACE = new Uint8Array(256);
for (const type of [FrameType.DATA, FrameType.HEADERS, FrameType.PRIORITY, FrameType.RST_STREAM, FrameType.PUSH_PROMISE, FrameType.CONTINUATION]) PLACE[type] = ON_STREAM_ONLY;
for (const type of [FrameType.SETTINGS, FrameType.PING, FrameType.GOAWAY]) PLACE[type] = ON_CONNECTION_ONLY;
const FIXED_LENGTH = new Int32Array(256).fill(-1);
FIXED_LENGTH[FrameType.PRIORITY] = 5;
FIXED_LENGTH[FrameType.RST_STREAM] = 4;
FIXED_LENGTH[FrameType.PING] = 8;
FIXED_LENGTH[FrameType.WINDOW_UPDATE] = 4;

/**
 * Checks a frame header against §4.2 and §6; throws FrameError. `maxFrameSize` is the receiver's
 * SETTINGS_MAX_FRAME_SIZE. Violations that §6 would allow as stream errors are treated as
 * connection errors: failing hard is safe.
 */
export function validateFrameHeader(h: FrameHeader, maxFrameSize: number): void {
  if (h.length > maxFrameSize) {
    throw frameError(h, ErrorCode.FRAME_SIZE_ERROR, `exceeds SETTINGS_MAX_FRAME_SIZE ${maxFrameSize}`);
  }
  const place = PLACE[h.type & 0xff]!;
  if (h.streamId === 0 && place === ON_STREAM_ONLY) {
    throw frameError(h, ErrorCode.PROTOCOL_ERROR, 'must be on a stream, not stream 0');
  }
  if (h.streamId !== 0 && place === ON_CONNECTION_ONLY) {
    throw frameError(h, ErrorCode.PROTOCOL_ERROR, 'must be on stream 0');
  }
  const fixed = FIXED_LENGTH[h.type & 0xff]!;
  if (fixed !== -1 && h.length !== fixed) {
    throw frameError(h, ErrorCode.FRAME_SIZE_ERROR, `payload must be ${fixed} bytes`);
  }
  if (h.type === FrameType.SETTINGS) {
    if (h.flags & FrameFlag.ACK && h.length !== 0) {
      throw frameError(h, ErrorCode.FRAME_SIZE_ERROR, 'SETTINGS ACK must be empty');
    }
    if (h.length % 6 !== 0) {
      throw frameError(h, ErrorCode.FRAME_SIZE_ERROR, 'SETTINGS payload must be a multiple of 6');
    }
  }
  if (h.type === FrameType.GOAWAY && h.length < 8) {
    throw frameError(h, ErrorCode.FRAME_SIZE_ERROR, 'GOAWAY payload must be at least 8 bytes');
  }
}

/**
 * Checks a whole frame (`frame` holds it, header included) where §6 has rules the header cannot
 * show. Reads the payload in place: no view of it is made for the frames that have no such rule.
 */
export function validateFramePayload(h: FrameHeader, frame: Buffer): void {
  if ((h.type === FrameType.DATA || h.type === FrameType.HEADERS) && h.flags & FrameFlag.PADDED) {
    const minimum = 1 + (h.type === FrameType.HEADERS && h.flags & FrameFlag.PRIORITY ? 5 : 0);
    if (h.length < minimum || frame[FRAME_HEADER_LENGTH]! > h.length - minimum) {
      throw frameError(h, ErrorCode.PROTOCOL_ERROR, 'padding longer than the payload');
    }
  }
  if (h.type === FrameType.SETTINGS) parseSettings(frame.subarray(FRAME_HEADER_LENGTH));
  // §6.9: a zero increment is a connection error on stream 0. On a stream it is a stream error,
  // left to the connection (RST_STREAM(PROTOCOL_ERROR)).
  if (h.type === FrameType.WINDOW_UPDATE && h.streamId === 0 && (frame.readUInt32BE(FRAME_HEADER_LENGTH) & 0x7fffffff) === 0) {
    throw frameError(h, ErrorCode.PROTOCOL_ERROR, 'a connection window increment of 0');
  }
}

export function parseGoaway(payload: Buffer): { lastStreamId: number; errorCode: number; debug: Buffer } {
  return {
    lastStreamId: payload.readUInt32BE(0) & 0x7fffffff,
    errorCode: payload.readUInt32BE(4),
    debug: payload.subarray(8),
  };
}

export type Settings = Map<number, number>;

/** Parses and range-checks a SETTINGS payload (§6.5.2); unknown identifiers are kept, as allowed. */
export function parseSettings(payload: Buffer): Settings {
  const settings: Settings = new Map();
  for (let at = 0; at + 6 <= payload.length; at += 6) {
    const id = payload.readUInt16BE(at);
    const value = payload.readUInt32BE(at + 2);
    if ((id === SettingId.ENABLE_PUSH || id === SettingId.ENABLE_CONNECT_PROTOCOL || id === SettingId.NO_RFC7540_PRIORITIES) && value > 1) {
      throw new FrameError(ErrorCode.PROTOCOL_ERROR, `${settingName(id)} must be 0 or 1, got ${value}`);
    }
    if (id === SettingId.INITIAL_WINDOW_SIZE && value > MAX_WINDOW_SIZE) {
      throw new FrameError(ErrorCode.FLOW_CONTROL_ERROR, `SETTINGS_INITIAL_WINDOW_SIZE ${value} above 2^31-1`);
    }
    if (id === SettingId.MAX_FRAME_SIZE && (value < 16_384 || value > MAX_ALLOWED_FRAME_SIZE)) {
      throw new FrameError(ErrorCode.PROTOCOL_ERROR, `SETTINGS_MAX_FRAME_SIZE ${value} outside 16384..16777215`);
    }
    settings.set(id, value);
  }
  return settings;
}
