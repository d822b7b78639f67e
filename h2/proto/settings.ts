/**
 * SETTINGS (RFC 9113 §6.5): ours, as we announce them and as they take effect once acknowledged,
 * and the peer's, as they constrain what we send. Range checks of received values are in
 * frame/codec.ts (parseSettings); what a change does to windows and HPACK is the connection's.
 */
import { DEFAULT_MAX_FRAME_SIZE, ErrorCode, MAX_ALLOWED_FRAME_SIZE, MAX_WINDOW_SIZE, SettingId } from '../frame/constants.js';
import { FrameError } from '../frame/codec.js';

/** What we tell the peer; each bounds what it may send us. */
export interface LocalSettings {
  /** The HPACK table the peer's encoder may use (SETTINGS_HEADER_TABLE_SIZE). */
  headerTableSize: number;
  /** Streams the peer may have open at once; beyond it REFUSED_STREAM. */
  maxConcurrentStreams: number;
  /** Each stream's receive window. */
  initialWindowSize: number;
  /** The largest frame payload the peer may send. */
  maxFrameSize: number;
  /** The largest header list (§6.5.2: names + values + 32 per field) we accept; beyond it 431. */
  maxHeaderListSize: number;
  /**
   * RFC 8441 §3 SETTINGS_ENABLE_CONNECT_PROTOCOL: the peer may send extended CONNECT (a CONNECT
   * with :protocol, e.g. a WebSocket). Announced only when true; never withdrawn once sent.
   */
  enableConnectProtocol: boolean;
}

const DEFAULT_LOCAL_SETTINGS: LocalSettings = {
  headerTableSize: 4096,
  maxConcurrentStreams: 128,
  // Large enough that a multi-MiB upload is not one round trip per 64 KiB; the application's
  // consumed() still paces it.
  initialWindowSize: 1 << 20,
  maxFrameSize: DEFAULT_MAX_FRAME_SIZE,
  maxHeaderListSize: 64 * 1024,
  enableConnectProtocol: false,
};

/** The values HTTP/2 starts with before any SETTINGS (§6.5.2). */
export const PROTOCOL_INITIAL_WINDOW_SIZE = 65_535;
export const PROTOCOL_HEADER_TABLE_SIZE = 4096;

/** The defaults with the configured values over them (undefined ones skipped), checked. */
export function localSettings(configured: Partial<LocalSettings> = {}): LocalSettings {
  const s = { ...DEFAULT_LOCAL_SETTINGS };
  for (const [key, value] of Object.entries(configured)) if (value !== undefined) Object.assign(s, { [key]: value });
  checkLocalSettings(s);
  return s;
}

/** Checks settings we were configured with; one line naming the bad one. */
function checkLocalSettings(s: LocalSettings): void {
  const bad = (what: string): never => {
    throw new RangeError(`h2 settings: ${what}`);
  };
  if (!(s.initialWindowSize >= 0 && s.initialWindowSize <= MAX_WINDOW_SIZE)) bad(`initialWindowSize ${s.initialWindowSize} outside 0..2^31-1`);
  if (!(s.maxFrameSize >= DEFAULT_MAX_FRAME_SIZE && s.maxFrameSize <= MAX_ALLOWED_FRAME_SIZE)) bad(`maxFrameSize ${s.maxFrameSize} outside 16384..16777215`);
  for (const key of ['headerTableSize', 'maxConcurrentStreams', 'maxHeaderListSize'] as const) {
    if (!Number.isInteger(s[key]) || s[key] < 0 || s[key] > 0xffffffff) bad(`${key} ${s[key]} is not a 32-bit count`);
  }
}

/**
 * The SETTINGS entries that announce `s`. ENABLE_PUSH 0 always: a server must not push to us,
 * and a server sending it says only what is true of itself (§6.5.2 allows 0 from a server).
 */
export function settingsEntries(s: LocalSettings): Array<[number, number]> {
  const entries: Array<[number, number]> = [
    [SettingId.ENABLE_PUSH, 0],
    [SettingId.MAX_CONCURRENT_STREAMS, s.maxConcurrentStreams],
    [SettingId.INITIAL_WINDOW_SIZE, s.initialWindowSize],
    [SettingId.MAX_HEADER_LIST_SIZE, s.maxHeaderListSize],
  ];
  if (s.headerTableSize !== PROTOCOL_HEADER_TABLE_SIZE) entries.push([SettingId.HEADER_TABLE_SIZE, s.headerTableSize]);
  if (s.maxFrameSize !== DEFAULT_MAX_FRAME_SIZE) entries.push([SettingId.MAX_FRAME_SIZE, s.maxFrameSize]);
  if (s.enableConnectProtocol) entries.push([SettingId.ENABLE_CONNECT_PROTOCOL, 1]);
  return entries;
}

/** The peer's settings in force: what we may send. */
export class PeerSettings {
  headerTableSize = PROTOCOL_HEADER_TABLE_SIZE;
  enablePush = true;
  maxConcurrentStreams = Infinity;
  initialWindowSize = PROTOCOL_INITIAL_WINDOW_SIZE;
  maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
  maxHeaderListSize = Infinity;
  /** RFC 8441: we may send extended CONNECT (the client role). */
  enableConnectProtocol = false;

  /** Applies one received (range-checked) value; returns the change of the initial window size. */
  apply(id: number, value: number): number {
    switch (id) {
      case SettingId.HEADER_TABLE_SIZE:
        this.headerTableSize = value;
        return 0;
      case SettingId.ENABLE_PUSH:
        this.enablePush = value === 1;
        return 0;
      case SettingId.MAX_CONCURRENT_STREAMS:
        this.maxConcurrentStreams = value;
        return 0;
      case SettingId.INITIAL_WINDOW_SIZE: {
        const delta = value - this.initialWindowSize;
        this.initialWindowSize = value;
        return delta;
      }
      case SettingId.MAX_FRAME_SIZE:
        this.maxFrameSize = value;
        return 0;
      case SettingId.MAX_HEADER_LIST_SIZE:
        this.maxHeaderListSize = value;
        return 0;
      case SettingId.ENABLE_CONNECT_PROTOCOL:
        // RFC 8441 §3: "A sender MUST NOT send a SETTINGS_ENABLE_CONNECT_PROTOCOL parameter with
        // the value of 0 after previously sending a value of 1." Tunnels open on its word.
        if (this.enableConnectProtocol && value === 0) throw new FrameError(ErrorCode.PROTOCOL_ERROR, 'SETTINGS_ENABLE_CONNECT_PROTOCOL went from 1 back to 0');
        this.enableConnectProtocol = value === 1;
        return 0;
      default:
        // §6.5.2: "An endpoint that receives a SETTINGS frame with any unknown or unsupported
        // identifier MUST ignore that setting."
        return 0;
    }
  }
}
