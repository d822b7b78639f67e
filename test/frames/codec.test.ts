import { describe, expect, it } from 'vitest';
import { ErrorCode, FrameFlag, FrameType, SettingId } from '../../h2/frame/constants.js';
import {
  FrameError,
  parseGoaway,
  parseSettings,
  readFrameHeader,
  validateFrameHeader,
  writeFrameHeader,
} from '../../h2/frame/codec.js';
import { encodeRstStream, goawayDebug, goawayLength, writeGoaway } from '../../h2/frame/encode.js';
import { frame } from '../helpers/raw-h2.js';

function setting(id: number, value: number): Buffer {
  const b = Buffer.alloc(6);
  b.writeUInt16BE(id);
  b.writeUInt32BE(value, 2);
  return b;
}

function codeOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof FrameError) return err.code;
    throw err;
  }
  return undefined;
}

describe('frame codec', () => {
  it('reads headers, ignoring the reserved bit', () => {
    const bytes = frame(FrameType.DATA, FrameFlag.END_STREAM, 5, Buffer.from('abc'));
    bytes[5] = bytes[5]! | 0x80;
    expect(readFrameHeader(bytes)).toEqual({ length: 3, type: FrameType.DATA, flags: 1, streamId: 5 });
  });

  it('frame headers round-trip at any offset, every length and stream id bit; short buffers and lengths past 24 bits are refused', () => {
    const buf = Buffer.alloc(32, 0xaa);
    const lengths = [0, 1, 255, 256, 0x1234, 0xffff, 0x10000, 0xabcdef, 0xffffff];
    const ids = [0, 1, 0x7f, 0x80, 0x8001, 0x123456, 0x7fffffff];
    for (const offset of [0, 3, 23]) {
      for (const length of lengths) {
        for (const streamId of ids) {
          const h = { length, type: 0xfe, flags: 0x81, streamId };
          writeFrameHeader(buf, h, offset);
          expect(readFrameHeader(buf, offset)).toEqual(h);
          expect(buf.readUIntBE(offset, 3)).toBe(length);
          expect(buf.readUInt32BE(offset + 5)).toBe(streamId);
        }
      }
    }
    // The reserved bit: ignored on read, never written.
    writeFrameHeader(buf, { length: 0, type: 0, flags: 0, streamId: 0x80000005 }, 0);
    expect(buf[5]).toBe(0);
    buf[5] = 0x80;
    expect(readFrameHeader(buf, 0).streamId).toBe(5);
    expect(() => readFrameHeader(buf, 24)).toThrow(RangeError);
    expect(() => writeFrameHeader(buf, { length: 0, type: 0, flags: 0, streamId: 1 }, 24)).toThrow(RangeError);
    expect(() => writeFrameHeader(buf, { length: 0x1000000, type: 0, flags: 0, streamId: 1 }, 0)).toThrow(RangeError);
    expect(() => writeFrameHeader(buf, { length: -1, type: 0, flags: 0, streamId: 1 }, 0)).toThrow(RangeError);
  });

  it('round-trips RST_STREAM and GOAWAY', () => {
    const rst = encodeRstStream(7, ErrorCode.CANCEL);
    expect(readFrameHeader(rst)).toEqual({ length: 4, type: FrameType.RST_STREAM, flags: 0, streamId: 7 });
    expect(rst.readUInt32BE(9)).toBe(ErrorCode.CANCEL);
    const debug = goawayDebug('why');
    const bytes = Buffer.alloc(goawayLength(debug));
    writeGoaway(bytes, 9, ErrorCode.FRAME_SIZE_ERROR, debug);
    expect(readFrameHeader(bytes)).toEqual({ length: 11, type: FrameType.GOAWAY, flags: 0, streamId: 0 });
    const goaway = parseGoaway(bytes.subarray(9));
    expect(goaway).toMatchObject({ lastStreamId: 9, errorCode: ErrorCode.FRAME_SIZE_ERROR });
    expect(goaway.debug.toString()).toBe('why');
  });

  it('range-checks SETTINGS values', () => {
    expect(parseSettings(Buffer.concat([setting(SettingId.MAX_FRAME_SIZE, 32_768), setting(0x99, 1)]))).toEqual(
      new Map([[SettingId.MAX_FRAME_SIZE, 32_768], [0x99, 1]]),
    );
    expect(codeOf(() => parseSettings(setting(SettingId.INITIAL_WINDOW_SIZE, 2 ** 31)))).toBe(ErrorCode.FLOW_CONTROL_ERROR);
    expect(codeOf(() => parseSettings(setting(SettingId.MAX_FRAME_SIZE, 16_383)))).toBe(ErrorCode.PROTOCOL_ERROR);
    expect(codeOf(() => parseSettings(setting(SettingId.MAX_FRAME_SIZE, 2 ** 24)))).toBe(ErrorCode.PROTOCOL_ERROR);
  });

  it('validates lengths and stream ids per type', () => {
    const h = (type: number, streamId: number, length: number, flags = 0) => ({ type, streamId, length, flags });
    expect(codeOf(() => validateFrameHeader(h(FrameType.WINDOW_UPDATE, 0, 5), 16_384))).toBe(ErrorCode.FRAME_SIZE_ERROR);
    expect(codeOf(() => validateFrameHeader(h(FrameType.PRIORITY, 0, 5), 16_384))).toBe(ErrorCode.PROTOCOL_ERROR);
    expect(codeOf(() => validateFrameHeader(h(FrameType.SETTINGS, 0, 6, FrameFlag.ACK), 16_384))).toBe(ErrorCode.FRAME_SIZE_ERROR);
    expect(codeOf(() => validateFrameHeader(h(FrameType.DATA, 1, 20_000), 32_768))).toBeUndefined();
    expect(codeOf(() => validateFrameHeader(h(0x42, 9, 100), 16_384))).toBeUndefined(); // unknown types pass
  });

  it('every type on stream 0 and on a stream, at every length that matters: §6 where it may go and its fixed lengths', () => {
    const streamOnly = new Set<number>([FrameType.DATA, FrameType.HEADERS, FrameType.PRIORITY, FrameType.RST_STREAM, FrameType.PUSH_PROMISE, FrameType.CONTINUATION]);
    const connectionOnly = new Set<number>([FrameType.SETTINGS, FrameType.PING, FrameType.GOAWAY]);
    const fixed = new Map<number, number>([[FrameType.PRIORITY, 5], [FrameType.RST_STREAM, 4], [FrameType.PING, 8], [FrameType.WINDOW_UPDATE, 4]]);
    for (let type = 0; type < 256; type++) {
      for (const streamId of [0, 1]) {
        for (const length of [0, 4, 5, 6, 8, 12]) {
          let expected: number | undefined;
          if (streamId === 0 && streamOnly.has(type)) expected = ErrorCode.PROTOCOL_ERROR;
          else if (streamId !== 0 && connectionOnly.has(type)) expected = ErrorCode.PROTOCOL_ERROR;
          else if (fixed.has(type) && fixed.get(type) !== length) expected = ErrorCode.FRAME_SIZE_ERROR;
          else if (type === FrameType.SETTINGS && length % 6 !== 0) expected = ErrorCode.FRAME_SIZE_ERROR;
          else if (type === FrameType.GOAWAY && length < 8) expected = ErrorCode.FRAME_SIZE_ERROR;
          expect(codeOf(() => validateFrameHeader({ type, streamId, length, flags: 0 }, 16_384)), `type ${type} stream ${streamId} length ${length}`).toBe(expected);
        }
      }
    }
  });
});
