/**
 * What an h2spec connection observes, one event at a time (h2spec's spec/event.go): a frame the
 * server sent, the connection closing, a read timing out, or an error (a frame the Go framer
 * would refuse to parse). Descriptions follow h2spec's wording so a failure reads like h2spec's.
 */
import { FRAME_HEADER_LENGTH, FrameFlag, FrameType, errorCodeName, frameTypeName } from '../../h2/frame/constants.js';
import { readFrameHeader, type FrameHeader } from '../../h2/frame/codec.js';

export interface FrameEvent extends FrameHeader {
  kind: 'frame';
  payload: Buffer;
}

export type H2Event = FrameEvent | { kind: 'closed' } | { kind: 'timeout' } | { kind: 'error'; message: string };

export function describeEvent(ev: H2Event): string {
  switch (ev.kind) {
    case 'closed':
      return 'Connection closed';
    case 'timeout':
      return 'Timeout';
    case 'error':
      return `Error: ${ev.message}`;
    case 'frame': {
      const base = `${frameTypeName(ev.type)} Frame (length:${ev.length}, flags:0x${ev.flags.toString(16).padStart(2, '0')}, stream_id:${ev.streamId})`;
      const code = errorCodeOf(ev);
      return code === undefined ? base : `${base} (Error Code: ${errorCodeName(code)})`;
    }
  }
}

export function isFrame(ev: H2Event, type: number): ev is FrameEvent {
  return ev.kind === 'frame' && ev.type === type;
}

/** The error code of a RST_STREAM or GOAWAY frame. */
export function errorCodeOf(ev: FrameEvent): number | undefined {
  if (ev.type === FrameType.RST_STREAM) return ev.payload.readUInt32BE(0);
  if (ev.type === FrameType.GOAWAY) return ev.payload.readUInt32BE(4);
  return undefined;
}

export function isAck(ev: FrameEvent): boolean {
  return (ev.flags & FrameFlag.ACK) !== 0;
}

export function endsStream(ev: FrameEvent): boolean {
  return (ev.type === FrameType.DATA || ev.type === FrameType.HEADERS) && (ev.flags & FrameFlag.END_STREAM) !== 0;
}

/**
 * The checks golang.org/x/net/http2's Framer makes when it parses a frame (with
 * AllowIllegalReads): a frame failing one is an error event in h2spec, so a server sending it
 * fails the case. Returns the problem, or undefined for a frame h2spec would accept.
 */
function parseProblem(h: FrameHeader, payload: Buffer): string | undefined {
  const onStream0 = h.streamId === 0;
  const padded = (h.flags & FrameFlag.PADDED) !== 0;
  switch (h.type) {
    case FrameType.DATA:
    case FrameType.HEADERS: {
      if (onStream0) return `${frameTypeName(h.type)} frame with stream ID 0`;
      const fixed = (padded ? 1 : 0) + (h.type === FrameType.HEADERS && h.flags & FrameFlag.PRIORITY ? 5 : 0);
      if (payload.length < fixed) return `${frameTypeName(h.type)} frame too short`;
      if (padded && payload[0]! > payload.length - fixed) return 'pad size larger than data payload';
      return undefined;
    }
    case FrameType.PRIORITY:
      if (onStream0) return 'PRIORITY frame with stream ID 0';
      return h.length === 5 ? undefined : `PRIORITY frame payload size was ${h.length}; want 5`;
    case FrameType.RST_STREAM:
      if (h.length !== 4) return 'RST_STREAM frame length is not 4';
      return onStream0 ? 'RST_STREAM frame with stream ID 0' : undefined;
    case FrameType.SETTINGS:
      if (h.flags & FrameFlag.ACK && h.length > 0) return 'SETTINGS ACK with a payload';
      if (!onStream0) return 'SETTINGS frame on a stream';
      if (h.length % 6 !== 0) return 'SETTINGS length is not a multiple of 6';
      for (let at = 0; at < payload.length; at += 6) {
        if (payload.readUInt16BE(at) === 0x4 && payload.readUInt32BE(at + 2) > 2 ** 31 - 1) return 'SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1';
      }
      return undefined;
    case FrameType.PUSH_PROMISE:
      return onStream0 ? 'PUSH_PROMISE frame with stream ID 0' : undefined;
    case FrameType.PING:
      if (h.length !== 8) return 'PING frame length is not 8';
      return onStream0 ? undefined : 'PING frame on a stream';
    case FrameType.GOAWAY:
      if (!onStream0) return 'GOAWAY frame on a stream';
      return h.length < 8 ? 'GOAWAY frame shorter than 8 bytes' : undefined;
    case FrameType.WINDOW_UPDATE:
      if (h.length !== 4) return 'WINDOW_UPDATE frame length is not 4';
      return (payload.readUInt32BE(0) & 0x7fffffff) === 0 ? 'WINDOW_UPDATE with an increment of 0' : undefined;
    case FrameType.CONTINUATION:
      return onStream0 ? 'CONTINUATION frame with stream ID 0' : undefined;
    default:
      return undefined;
  }
}

/**
 * Cuts complete frames off the front of `inbound` and turns them into events. Frames of unknown
 * type are dropped (the Go framer yields them as UnknownFrame, which h2spec has no event for).
 * After a frame h2spec would fail to parse, reading stops: the rest is returned as `rest: null`.
 */
export function takeEvents(inbound: Buffer): { events: H2Event[]; rest: Buffer | null } {
  const events: H2Event[] = [];
  let at = 0;
  while (inbound.length - at >= FRAME_HEADER_LENGTH) {
    const header = readFrameHeader(inbound, at);
    const end = at + FRAME_HEADER_LENGTH + header.length;
    if (inbound.length < end) break;
    const payload = Buffer.from(inbound.subarray(at + FRAME_HEADER_LENGTH, end));
    at = end;
    if (header.type > FrameType.CONTINUATION) continue;
    const problem = parseProblem(header, payload);
    if (problem !== undefined) {
      events.push({ kind: 'error', message: `${problem} (${frameTypeName(header.type)} stream_id:${header.streamId})` });
      return { events, rest: null };
    }
    events.push({ kind: 'frame', ...header, payload });
  }
  return { events, rest: inbound.subarray(at) };
}
