/**
 * What an application and the proxy give a Connection and hear from it: the server handler, the
 * options, the connection-level events, the inbound hook, the statistics.
 */
import type { FrameHeader } from '../frame/codec.js';
import type { FramePool } from './frame-pool.js';
import type { FloodLimits } from './flood-guard.js';
import type { OutboundHook } from './frame-writer.js';
import type { RequestHead } from './header-validation.js';
import type { LocalSettings, PeerSettings } from './settings.js';
import type { ServerStream, StreamHandler } from './stream.js';
import type { LingerPolicy } from './lingering-close.js';
import type { ResetDataCredit } from './bug-models/reset-data-credit.js';
import type { RefusedHeaderBlock } from './bug-models/refused-header-block.js';

/** What a server application implements: one call per stream the peer opens. */
export interface ServerHandler {
  /** A request head arrived (validated, §8.3.1); the returned handler hears the rest of the stream. */
  onStream(stream: ServerStream, head: RequestHead): StreamHandler;
}

export interface GoawayInfo {
  lastStreamId: number;
  errorCode: number;
  debug: string;
}

/** Connection-level events, for metrics and reports; all optional. */
export interface ConnectionObserver {
  onGoawaySent?(goaway: GoawayInfo): void;
  onGoawayReceived?(goaway: GoawayInfo): void;
  /** We reset a stream for a stream error (§5.4.2): the peer broke a rule for it, named in `reason`. */
  onStreamError?(streamId: number, errorCode: number, reason: string): void;
  /** The peer reset a stream, live or recently closed (after the pool heard of its pending leases). */
  onPeerReset?(streamId: number, errorCode: number): void;
  /** The peer's SETTINGS were applied. */
  onSettings?(settings: Readonly<PeerSettings>): void;
  /** The connection failed: a protocol error by the peer (FrameError with its code), or an application callback threw. */
  onError?(err: Error): void;
  /** The transport closed; the connection is over. */
  onClose?(): void;
}

/**
 * Where a frame toxic (rst_delay) sits on the inbound side: after a frame is checked, before the
 * engine acts on it. `deliver` must be called exactly once, now or later. Header blocks
 * (HEADERS, CONTINUATION) must be delivered at once and in order: HPACK state is shared.
 */
export interface InboundHook {
  inbound(header: FrameHeader, frame: Buffer, deliver: (header: FrameHeader, frame: Buffer) => void): void;
}

export interface ConnectionOptions {
  /** The connection's id in lease owners (the pool's race evidence). Default: a process-wide counter. */
  id?: number;
  /** Where outbound frames are born (default: a fresh buffer each). */
  pool?: FramePool;
  settings?: Partial<LocalSettings>;
  /** Our connection receive window (default 16 MiB): what the peer may send ahead of consumed(). */
  connectionWindowSize?: number;
  floodLimits?: Partial<FloodLimits>;
  /** SETTINGS_TIMEOUT: how long our SETTINGS may go unacknowledged (default 10 s). */
  settingsTimeoutMs?: number;
  /** The graceful close's wait for its PING ACK (default 2 s). */
  pingTimeoutMs?: number;
  /** After the last frame, how long the peer has to close before the transport is destroyed (default 5 s). */
  closeTimeoutMs?: number;
  /**
   * How a socket ends after the last frame (lingering-close.ts; the transport's, when it is a
   * socket); `abandonedFlushMs` also bounds the end after the peer's error GOAWAY.
   */
  linger?: Partial<LingerPolicy>;
  /** Bytes of frames ahead of the transport before DATA waits (default 1 MiB). */
  maxSendAheadBytes?: number;
  /** A stream's unframed body bytes above which write() returns false (default 64 KiB). */
  streamHighWaterMark?: number;
  observer?: ConnectionObserver;
  /** Connection-window bytes of reset and closed streams (bug-models/reset-data-credit.ts; default: credited). */
  resetDataCredit?: ResetDataCredit;
  /** A refused stream's header block (bug-models/refused-header-block.ts; default: decoded). */
  refusedHeaderBlock?: RefusedHeaderBlock;
  inboundHook?: InboundHook;
  outboundHook?: OutboundHook;
}

export interface ConnectionStats {
  /** Frames per type (index = type; the last slot: unknown types). */
  framesReceived: readonly number[];
  framesSent: readonly number[];
  streamsOpened: number;
  /** The highest peer stream id handed to the application. */
  lastStreamId: number;
}
