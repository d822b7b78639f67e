/**
 * What a scenario run records. Times are milliseconds since the run started.
 *
 * Lifecycle of a recorded stream: the viewer part that opens a request (video player, SSE client,
 * small requests) creates its StreamRecord through the RunRecorder and owns the HTTP/2 stream;
 * the recorder's 'close' handler is the one place the record gets its outcome, from what the
 * client saw. A stream WE end — a seek's RST_STREAM(CANCEL), or the end of the run — is marked
 * before the close, so a failure is one nobody on our side asked for. Whose fault a failure was
 * (fault.ts) is decided once the run is over, when every frame the relay saw has been counted.
 */
import type { FrameProblemKind } from './unparsable-frame.js';

/**
 * video, events, small: the viewer's own; upload, burst, headers: the traffic kinds that provoke
 * the catalogue's bugs (traffic-kinds.ts): cancelled and bystander uploads, bursts beyond
 * SETTINGS_MAX_CONCURRENT_STREAMS, header sets (with trailers) echoed back.
 */
export type StreamKind = 'video' | 'events' | 'small' | 'upload' | 'burst' | 'headers';

/**
 * completed: ended normally; cancelled: we reset it (a seek); stopped: still open when the run
 * ended; refused: a burst stream the server refused (REFUSED_STREAM), as the burst meant it to,
 * or a stream that crossed the server's graceful GOAWAY (above its last-stream-id, never processed);
 * failed: anything else — the peer reset it, the connection died under it, a 4xx/5xx.
 */
export type StreamOutcome = 'completed' | 'cancelled' | 'stopped' | 'failed' | 'refused';

/**
 * Whose fault a failed stream is (fault.ts): `collateral` — it died with its connection, or our
 * own HTTP/2 stack refused its bytes; `origin` — the server refused or failed that one stream
 * (an RST_STREAM of its own, a 4xx/5xx, a stream it never processed).
 */
export type StreamFault = 'collateral' | 'origin';

export type GoawaySide = 'client' | 'server';

export interface StreamRecord {
  /** Run-wide sequence number. */
  seq: number;
  viewer: number;
  connection: number;
  /** The HTTP/2 stream id, once assigned. */
  streamId?: number;
  kind: StreamKind;
  path: string;
  /** First body byte asked for (Range), for video streams. */
  rangeStart?: number;
  startMs: number;
  endMs?: number;
  status?: number;
  /** Body bytes the client took for this stream. */
  bytes: number;
  /** DATA payload bytes the server sent for this stream, as the relay saw them: with those the client dropped after our cancel. */
  wireBytes: number;
  /**
   * A browser viewer's video: the body bytes that arrived while its player wanted them (reading,
   * not paused at its read-ahead target; video-player.ts) — `bytes` less what node held for the
   * paused stream, which the server sent into the open window after the player stopped reading.
   */
  wantedBytes?: number;
  outcome?: StreamOutcome;
  /** We reset this stream on purpose (a seek). */
  cancelledByUs: boolean;
  /** RST_STREAM code the stream closed with (node's `rstCode`, sent or received), when not NO_ERROR. */
  rstCode?: number;
  /** The first RST_STREAM frame the relay saw for this stream, and who sent it. */
  reset?: { side: GoawaySide; code: number };
  /** A gRPC call's grpc-status (its trailers, or a Trailers-Only head): not 0 is the call's failure. */
  grpcStatus?: number;
  /** The `x-h2race-error` header of an answer h2race's proxy made itself (its failure name: tls, stream-reset, connection-lost…). */
  proxyError?: string;
  /** Set when the stream was still unfinished as its connection died: why the connection died. */
  connectionDeath?: string;
  /** node's error code for the stream (ERR_HTTP2_STREAM_ERROR…), when it gave one. */
  clientError?: string;
  /** For a failed stream: whose fault (set when the run ends). */
  fault?: StreamFault;
  /** Why it failed, in words: 'client GOAWAY FRAME_SIZE_ERROR', 'RST_STREAM REFUSED_STREAM from server', 'HTTP 502 from h2race (stream-reset)'. */
  error?: string;
  /** Body bytes that differ from what the origin sent. */
  corruptBytes: number;
  /** Where and when the first corrupted byte arrived (body offset). */
  firstCorrupt?: { atMs: number; offset: number };
  /**
   * The stream made no progress for the run's stall time while its connection was open, and a
   * PING sent then was answered with still nothing for it (stall-watch.ts): the window-leak symptom.
   */
  stall?: { sinceMs: number; detectedMs: number; /** The round trip of the PING its connection answered meanwhile. */ pingMs: number };
  /** What came back different from what was sent (echoed headers, trailers, upload bytes): the desync symptom. */
  wrongContent?: string;
}

export interface GoawayRecord {
  connection: number;
  /** Who sent it: `client` is our own HTTP/2 stack answering a protocol violation. */
  side: GoawaySide;
  code: number;
  lastStreamId: number;
  atMs: number;
  /** For a client GOAWAY: the last frame header received before it (the likely culprit). */
  lastInboundFrame?: string;
}

export interface ConnectionRecord {
  id: number;
  viewer: number;
  openedMs: number;
  closedMs?: number;
  /** Why it ended, when not by us at the end of the run. */
  endedBy?: string;
  /** The first frame header of each kind from the server our client could not take (frame-tap.ts), in the order they came. */
  unparsableFrames?: UnparsableFrameRecord[];
}

/** A frame header our client could not take: what it declared, its bytes, how the client answers it, the rule it broke. */
export interface UnparsableFrameRecord {
  /** When the relay passed it to the client. */
  atMs: number;
  type: number;
  flags: number;
  length: number;
  streamId: number;
  /** The header's 9 bytes, in hex. */
  bytesHex: string;
  /** Which client GOAWAY code it explains (unparsable-frame.ts). */
  kind: FrameProblemKind;
  problem: string;
  /** A stream-state header: when the client's RST_STREAM for its stream went by, telling the client had ignored it. */
  excusedAtMs?: number;
}

export interface ErrorRecord {
  connection: number;
  atMs: number;
  message: string;
}

export interface SseCounters {
  events: number;
  /** Event ids that never arrived (sum of the holes in the id sequence). */
  gaps: number;
  /** Times the stream was reopened with Last-Event-ID after it dropped. */
  reconnects: number;
  /** Events whose data differs from what the origin sends for that id. */
  badEvents: number;
  /** The longest time without an event on any viewer's stream, counted from its first request. */
  maxSilenceMs: number;
  /** SSE streams that ended, or were open when the run ended, without delivering an event. */
  silentStreams: number;
  /** How late each event arrived, ms (sse-delay.ts): from the origin's `sent:` stamp, else from arrival gaps. */
  delaysMs: number[];
  /** Where the delays come from: every event stamped, none (arrival gaps), or some of each. */
  delaySource: 'stamp' | 'arrival-gaps' | 'mixed' | 'none';
}

/** The end of the run's activity (scenario/drain.ts): after the duration, before everything stops. */
export interface DrainRecord {
  /** When the activity ended: no seek or small request after it. */
  fromMs: number;
  /**
   * When the last viewer's answer to a PING sent then arrived: the server's bytes written after it
   * read the run's last cancel had all arrived by then. Undefined: not within `limitMs`.
   */
  answeredMs?: number;
  limitMs: number;
}

/** The shaping relay as it ran (scenario --shape): what the viewers' path measured, beside the preset. */
export interface ShapedPathRecord {
  /** Round trip of a PING through the relay before the run, on an idle connection (ms). */
  rttMs?: number;
  /** Bytes per second the relay delivered toward the viewers while it had bytes for them. */
  downBytesPerSecond?: number;
  /** The preset's figures, when the shape is a preset. */
  preset?: { rttMs: number; downBytesPerSecond?: number };
}

/** A frame of the proxy's: its connection is the proxy's own number, not the run's. */
export interface PooledFrame {
  connection: number;
  streamId: number;
  frameType: number;
  /** Header and payload bytes. */
  length: number;
}

/**
 * A race in the proxy's buffer pool (compare only: it starts the proxy): the buffer of a frame
 * still waiting to be written (its stream reset) handed out for another frame.
 */
export interface PoolRaceRecord {
  atMs: number;
  pending: PooledFrame;
  reusedFor: PooledFrame;
}

export interface RunRecord {
  target: string;
  /** `grpc`: gRPC clients made the traffic (grpc-viewer.ts): the video role is Fetch calls, SSE's is the Watch call, small's Ping calls. */
  clients?: 'browser' | 'grpc';
  /** Pool mode and profile when the caller knows them (compare); free-form labels otherwise. */
  mode?: string;
  profile?: string;
  /** The preset or profile file of the relay the viewers reached the target through (scenario --shape). */
  shape?: string;
  seed: number;
  viewers: number;
  startedAt: string;
  /** performance.now() at the run's time 0: events timed elsewhere in the process (the pool's races) convert to run time. */
  clockStart: number;
  durationMs: number;
  connections: ConnectionRecord[];
  streams: StreamRecord[];
  goaways: GoawayRecord[];
  sessionErrors: ErrorRecord[];
  /** Bodies that could not be verified (the reference failed); their bytes are not counted. */
  verifyErrors: ErrorRecord[];
  sse: SseCounters;
  drain?: DrainRecord;
  shapedPath?: ShapedPathRecord;
  /** The pool's races, oldest first, when the caller knows them (compare); bounded per connection. */
  races?: PoolRaceRecord[];
  /** The viewers' links toward them as the proxy saw them (compare): the deepest queue, bytes. */
  linkQueue?: { peakBytes: number };
  /** How long a stream went without progress before it counted as stalled. */
  stallAfterMs?: number;
  /**
   * Per viewer (index 0 is viewer 1), ms its video player wanted bytes: a range open and the
   * player reading it, not paused at its read-ahead target (video-player.ts). Absent when no
   * player recorded any (gRPC clients).
   */
  videoWantingMs?: number[];
}
