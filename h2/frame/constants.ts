/** Wire constants of HTTP/2 (RFC 9113 §6, §7, §11) by name. */

export const FRAME_HEADER_LENGTH = 9;

/** The client connection preface (RFC 9113 §3.4). */
export const CLIENT_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
  /** RFC 9218 §7.1: accepted and ignored, like PRIORITY. */
  PRIORITY_UPDATE: 0x10,
} as const;

export const FrameFlag = {
  END_STREAM: 0x1,
  ACK: 0x1,
  END_HEADERS: 0x4,
  PADDED: 0x8,
  PRIORITY: 0x20,
} as const;

export const ErrorCode = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa,
  ENHANCE_YOUR_CALM: 0xb,
  INADEQUATE_SECURITY: 0xc,
  HTTP_1_1_REQUIRED: 0xd,
} as const;

export const SettingId = {
  HEADER_TABLE_SIZE: 0x1,
  ENABLE_PUSH: 0x2,
  MAX_CONCURRENT_STREAMS: 0x3,
  INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5,
  MAX_HEADER_LIST_SIZE: 0x6,
  /** RFC 8441 §3: extended CONNECT. */
  ENABLE_CONNECT_PROTOCOL: 0x8,
  /** RFC 9218 §2.1. */
  NO_RFC7540_PRIORITIES: 0x9,
} as const;

export const DEFAULT_MAX_FRAME_SIZE = 16_384;
export const MAX_ALLOWED_FRAME_SIZE = 16_777_215;
export const MAX_WINDOW_SIZE = 2 ** 31 - 1;

const typeNames = new Map<number, string>(Object.entries(FrameType).map(([k, v]) => [v, k]));
const errorNames = new Map<number, string>(Object.entries(ErrorCode).map(([k, v]) => [v, k]));

export function frameTypeName(type: number): string {
  return typeNames.get(type) ?? `UNKNOWN(0x${type.toString(16)})`;
}

export function errorCodeName(code: number): string {
  return errorNames.get(code) ?? `UNKNOWN(0x${code.toString(16)})`;
}

const settingNames = new Map<number, string>(Object.entries(SettingId).map(([k, v]) => [v, `SETTINGS_${k}`]));

export function settingName(id: number): string {
  return settingNames.get(id) ?? `SETTINGS_UNKNOWN(0x${id.toString(16)})`;
}
