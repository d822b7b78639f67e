/**
 * Reads the fields of frame payloads in place (RFC 9113 §6). `frame` holds the whole frame, header
 * included, already checked by codec.ts (lengths, padding bounds): nothing here re-validates.
 */
import { FRAME_HEADER_LENGTH, FrameFlag, FrameType } from './constants.js';
import type { FrameHeader } from './codec.js';

/** Where the data or header block fragment of a DATA or HEADERS frame lies in `frame`, padding and priority fields excluded. */
export interface FrameContent {
  start: number;
  end: number;
}

export function frameContent(h: FrameHeader, frame: Buffer): FrameContent {
  let start = FRAME_HEADER_LENGTH;
  let end = FRAME_HEADER_LENGTH + h.length;
  if (h.flags & FrameFlag.PADDED) {
    end -= frame[start]!;
    start += 1;
  }
  if (h.type === FrameType.HEADERS && h.flags & FrameFlag.PRIORITY) start += 5;
  return { start, end };
}

/**
 * The stream a HEADERS (with the PRIORITY flag) or PRIORITY frame says it depends on; 0 when it
 * carries no priority fields. §5.3.1 of RFC 7540: a stream may not depend on itself.
 */
export function priorityDependency(h: FrameHeader, frame: Buffer): number {
  if (h.type === FrameType.PRIORITY) return frame.readUInt32BE(FRAME_HEADER_LENGTH) & 0x7fffffff;
  if (h.type !== FrameType.HEADERS || !(h.flags & FrameFlag.PRIORITY)) return 0;
  const at = FRAME_HEADER_LENGTH + (h.flags & FrameFlag.PADDED ? 1 : 0);
  return frame.readUInt32BE(at) & 0x7fffffff;
}

export function windowIncrement(frame: Buffer): number {
  return frame.readUInt32BE(FRAME_HEADER_LENGTH) & 0x7fffffff;
}

export function rstErrorCode(frame: Buffer): number {
  return frame.readUInt32BE(FRAME_HEADER_LENGTH);
}

/** The stream a PRIORITY_UPDATE frame (RFC 9218 §7.1) is about. */
export function prioritizedStreamId(frame: Buffer): number {
  return frame.readUInt32BE(FRAME_HEADER_LENGTH) & 0x7fffffff;
}
