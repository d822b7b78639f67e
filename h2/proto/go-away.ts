/**
 * The end of a connection (RFC 9113 §6.8), one state for all of it:
 *
 *   Open ──close()──▶ Announced ──PING ACK (or timeout)──▶ Draining ──no stream left──▶ Ending ──▶ Closed
 *     │               GOAWAY(2^31-1) + PING                GOAWAY(last)                 transport.end()
 *     └──fail(code)── any phase before Ending ──▶ GOAWAY(last, code) ──▶ Ending ──────────────────▶ Closed
 *
 * The graceful close is two-step, as §6.8 advises: the first GOAWAY tells the peer to open no
 * more streams without knowing which of its in-flight ones arrive; after a PING round trip every
 * stream it opened before reading it has arrived, and the second GOAWAY names the last one
 * processed. Ending: the last frame is queued, the writer flushes it and ends the transport (a
 * socket's end lingers, lingering-close.ts, so the peer reads that frame); a peer that never closes
 * its side is cut after `closeTimeoutMs`. A peer that failed the connection itself (its error
 * GOAWAY, or its FIN) reads nothing more: what is owed gets `abandonedFlushMs`, then the cut.
 *
 * Lifecycle: one per connection; ends in Closed (`closed`, the transport gone), timers cleared.
 */
import { ErrorCode, MAX_WINDOW_SIZE } from '../frame/constants.js';

export const EndPhase = {
  Open: 0,
  /** GOAWAY(2^31-1) and a PING sent: streams keep arriving until the PING's ACK. */
  Announced: 1,
  /** The final GOAWAY sent: streams up to its last-stream-id finish; later ones are ignored. */
  Draining: 2,
  /** The last frame is queued; the transport ends once it is out. */
  Ending: 3,
  Closed: 4,
} as const;
export type EndPhase = (typeof EndPhase)[keyof typeof EndPhase];

/** The largest stream identifier (§5.1.1); also the first GOAWAY's "every stream" last-stream-id. */
export const MAX_STREAM_ID = MAX_WINDOW_SIZE;

export interface EndHost {
  /** The highest peer stream handed to the application: what a GOAWAY says was processed. */
  readonly lastProcessedStreamId: number;
  /** Streams not closed yet. */
  readonly activeStreams: number;
  sendGoaway(lastStreamId: number, errorCode: number, debug: string): void;
  sendPing(opaque: Buffer): void;
  /** Every stream ends with `code` (the connection failed). */
  abortStreams(code: number): void;
  /** Flush what is queued, then end the transport. */
  endTransport(): void;
  destroyTransport(): void;
}

export interface EndOptions {
  /** How long the graceful close waits for the PING's ACK before sending the final GOAWAY. */
  pingTimeoutMs: number;
  /** How long after ending the transport the peer has to close its side before it is cut. */
  closeTimeoutMs: number;
  /** As closeTimeoutMs, when the peer failed the connection (it reads no more). */
  abandonedFlushMs: number;
}

export class ConnectionEnd {
  phase: EndPhase = EndPhase.Open;
  /** The last-stream-id of the last GOAWAY we sent; no GOAWAY yet: every stream. */
  lastStreamIdSent = MAX_STREAM_ID;
  private readonly pingOpaque = Buffer.from('h2race\0\0', 'latin1');
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly host: EndHost, private readonly opts: EndOptions) {}

  /** Whether a new stream the peer opens is still taken. */
  accepts(streamId: number): boolean {
    return this.phase < EndPhase.Draining || (this.phase === EndPhase.Draining && streamId <= this.lastStreamIdSent);
  }

  /** Starts the graceful close (first GOAWAY and a PING). */
  close(): void {
    if (this.phase !== EndPhase.Open) return;
    this.phase = EndPhase.Announced;
    this.host.sendGoaway(MAX_STREAM_ID, ErrorCode.NO_ERROR, '');
    this.host.sendPing(this.pingOpaque);
    this.timer = setTimeout(() => this.drain(), this.opts.pingTimeoutMs);
  }

  /** A PING ACK: the one the graceful close waits for ends the announcement. */
  pingAcked(opaque: Buffer): boolean {
    if (this.phase !== EndPhase.Announced || !opaque.equals(this.pingOpaque)) return false;
    this.drain();
    return true;
  }

  /** The peer's GOAWAY: it opens no more streams. An error code means it is failing the connection. */
  peerGoaway(errorCode: number): void {
    if (this.phase >= EndPhase.Ending) return;
    if (errorCode !== ErrorCode.NO_ERROR) {
      this.host.abortStreams(errorCode);
      this.ending(this.opts.abandonedFlushMs);
      return;
    }
    if (this.phase < EndPhase.Draining) this.drain();
  }

  /** A connection error (§5.4.1): GOAWAY with its code, every stream ends, the transport closes. */
  fail(errorCode: number, debug: string): void {
    if (this.phase >= EndPhase.Ending) return;
    this.lastStreamIdSent = this.host.lastProcessedStreamId;
    this.host.sendGoaway(this.lastStreamIdSent, errorCode, debug);
    this.host.abortStreams(errorCode);
    this.ending(this.opts.closeTimeoutMs);
  }

  /** A stream closed: a draining connection ends with its last one. */
  streamClosed(): void {
    if (this.phase === EndPhase.Draining && this.host.activeStreams === 0) this.ending(this.opts.closeTimeoutMs);
  }

  /** The transport is gone (whatever the phase). */
  closed(): void {
    this.phase = EndPhase.Closed;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private drain(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.phase = EndPhase.Draining;
    this.lastStreamIdSent = this.host.lastProcessedStreamId;
    this.host.sendGoaway(this.lastStreamIdSent, ErrorCode.NO_ERROR, '');
    this.streamClosed();
  }

  private ending(cutAfterMs: number): void {
    clearTimeout(this.timer);
    this.phase = EndPhase.Ending;
    this.host.endTransport();
    this.timer = setTimeout(() => this.host.destroyTransport(), cutAfterMs);
  }
}
