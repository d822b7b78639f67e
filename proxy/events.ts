/**
 * What a running proxy tells its observers (metrics, scenario driver, logs). Every proxied stream
 * yields exactly one 'stream-start' and one 'stream-end'; every upstream session one open and one
 * close. Listeners run synchronously on the forwarding path: keep them cheap.
 */
import { EventEmitter } from 'node:events';

export type Side = 'downstream' | 'upstream';

export type StreamOutcome =
  /** The whole response reached the client (through the frame path: its END_STREAM frame was written to the socket). */
  | 'completed'
  /** The client cancelled: RST_STREAM(CANCEL) on HTTP/2, a closed connection on HTTP/1.1. */
  | 'cancelled-by-client'
  /** h2race cancelled it on both sides (the rst_inject toxic) before the client had the whole response. */
  | 'injected-cancel'
  /** The upstream failed: the client got a 502/504 or RST_STREAM(INTERNAL_ERROR). */
  | 'upstream-error'
  /**
   * The downstream stream was reset for another reason (client RST with another code, session
   * gone), or its connection ended before the end of a finished response was written to it.
   */
  | 'reset';

export interface StreamStartRecord {
  /** Downstream connection id (ConnectionInfo.id). */
  connectionId: number;
  /** HTTP/2 stream id; on HTTP/1.1 the request's ordinal on its connection (1, 2, ...). */
  streamId: number;
  protocol: 'h2' | 'http/1.1';
  method: string;
  path: string;
}

export interface StreamEndRecord extends StreamStartRecord {
  /** Status sent to the client, if any was. */
  status?: number;
  /** Request body bytes forwarded upstream. */
  bytesIn: number;
  /**
   * Response body bytes that reached the client's link: on HTTP/2 through the engine path, payload
   * bytes of the stream's DATA frames the downstream link wrote to the socket (not those framed by
   * the engine and still queued); otherwise (HTTP/1.1, or no engine path) the body bytes handed on.
   */
  bytesOut: number;
  /** From the request to the stream's end or the last of those writes, whichever is later. */
  durationMs: number;
  outcome: StreamOutcome;
  /** RST_STREAM code of the downstream stream when it ended in a reset (HTTP/2 only). */
  rstCode?: number;
  /** Upstream session (h2) or connection (h1) id that carried the final attempt. */
  upstreamId?: number;
  /** Attempts made upstream (> 1 after a GOAWAY or REFUSED_STREAM retry). */
  attempts: number;
  /** Why the upstream failed (outcome 'upstream-error'). */
  error?: string;
}

export interface UpstreamSessionRecord {
  /** Upstream connection id (the id given to UpstreamWrapper.wrap). */
  id: number;
  origin: string;
  protocol: 'h2' | 'h2c' | 'http/1.1';
}

export interface GoawayRecord {
  side: Side;
  /** Downstream connection id or upstream session id. */
  id: number;
  code: number;
  lastStreamId: number;
  /** Whether the proxy received it (true) or sent it (false). */
  received: boolean;
}

/**
 * Why h2race ended a connection on purpose: a flood (ENHANCE_YOUR_CALM), a protocol error of the
 * peer (any other error code of h2race's GOAWAY but the two below), h2race's own failure
 * (INTERNAL_ERROR), an unacknowledged SETTINGS (SETTINGS_TIMEOUT), its shutdown (a graceful GOAWAY
 * on a client connection or on an upstream session at close), or idleness (an upstream session
 * with no stream for idleTimeoutMs).
 */
export type ConnectionEndReason = 'flood' | 'protocol-error' | 'internal-error' | 'settings-timeout' | 'shutdown' | 'idle';

export interface ConnectionEndRecord {
  side: Side;
  /** Downstream connection id or upstream session id. */
  id: number;
  reason: ConnectionEndReason;
  /** The GOAWAY that ended it. */
  code: number;
  lastStreamId: number;
}

export interface ProxyEventMap {
  'stream-start': [StreamStartRecord];
  'stream-end': [StreamEndRecord];
  'upstream-session-open': [UpstreamSessionRecord];
  'upstream-session-close': [UpstreamSessionRecord & { error?: string }];
  /** Every GOAWAY but a graceful close's announcement (reported by connection-ending.ts, as the next). */
  goaway: [GoawayRecord];
  /** h2race ended a connection on purpose (its GOAWAY came first): once per connection. */
  'connection-end': [ConnectionEndRecord];
}

export type ProxyEvents = EventEmitter<ProxyEventMap>;

export function createProxyEvents(): ProxyEvents {
  return new EventEmitter<ProxyEventMap>();
}

