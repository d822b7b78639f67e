/**
 * Per-connection caps on inbound frames that cost the receiver work and the peer nothing: the
 * rapid-reset attack (CVE-2023-44487), PING / SETTINGS / empty-DATA / WINDOW_UPDATE / PRIORITY
 * floods, and CONTINUATION floods (CVE-2024-27316 family). Pure: no timers, the caller passes the
 * time, so a test can drive it frame by frame.
 *
 * Why here and not only in node:http2: measured on Node 20.20 (nghttp2 1.61), the session stops
 * a rapid reset only after ~1000 resets and with GOAWAY(INTERNAL_ERROR); SETTINGS, empty-DATA and
 * CONTINUATION floods also end in INTERNAL_ERROR; PING, WINDOW_UPDATE and PRIORITY floods are
 * not stopped at all (500k PINGs in 4 s were all answered; 20k DATA frames on a closed stream
 * drew no answer). A violation here fails the connection with GOAWAY(ENHANCE_YOUR_CALM) before
 * the frame is acted on.
 *
 * The same caps guard both roles: the peer is the client when the engine serves (the front) and
 * the server when it is the client (h2race's upstream connections, where the origin is guarded);
 * reasons name the peer by that role.
 *
 * Lifecycle: one FloodGuard per connection, owned by the engine's connection that reads its
 * frames; nothing to end.
 */
import { ErrorCode, FrameFlag, FrameType, frameTypeName } from '../frame/constants.js';
import { FrameError, type FrameHeader } from '../frame/codec.js';
import { RecentIds } from './recent-ids.js';

/** A token bucket: `burst` frames at once, refilled at `perSecond`. */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

export interface FloodLimits {
  /** The peer's RST_STREAM frames (rapid reset). Bounds the streams an attacker can make the proxy open upstream. */
  resets: RateLimit;
  pings: RateLimit;
  /** SETTINGS frames that are not ACKs. */
  settings: RateLimit;
  /** DATA frames with no payload and no END_STREAM: they carry nothing. */
  emptyData: RateLimit;
  windowUpdates: RateLimit;
  priorities: RateLimit;
  /** DATA or HEADERS on a stream the peer already ended (END_STREAM or RST_STREAM): never legitimate. */
  afterEnd: RateLimit;
  /** CONTINUATION frames in one header block (nghttp2 1.61 fails the 9th with INTERNAL_ERROR: stay at or under it). */
  maxContinuations: number;
  /** Payload bytes of one header block (HEADERS plus its CONTINUATIONs), compressed as sent. */
  maxHeaderBlockBytes: number;
}

/**
 * Generous for browsers and the scenario driver (a seek cancels one stream; a page load sends a
 * handful of PINGs and SETTINGS), tight enough that an attacker gets at most a few hundred
 * upstream streams out of a rapid reset (nghttp2's own limit lets ~1000 through).
 */
export const DEFAULT_FLOOD_LIMITS: FloodLimits = {
  resets: { perSecond: 100, burst: 300 },
  pings: { perSecond: 50, burst: 100 },
  settings: { perSecond: 20, burst: 50 },
  emptyData: { perSecond: 50, burst: 100 },
  // A fast download with small client windows sends one per ~32 KiB (30k/s at 1 GB/s).
  windowUpdates: { perSecond: 50_000, burst: 100_000 },
  priorities: { perSecond: 1_000, burst: 2_000 },
  afterEnd: { perSecond: 20, burst: 50 },
  maxContinuations: 8,
  maxHeaderBlockBytes: 256 * 1024,
};

type RateName = 'resets' | 'pings' | 'settings' | 'emptyData' | 'windowUpdates' | 'priorities' | 'afterEnd';

/** Whom the guarded frames come from: the engine's peer, by its role. */
export type PeerRole = 'client' | 'server';

/** Streams the peer ended, remembered to spot frames sent after the end; the oldest are forgotten. */
const ENDED_STREAMS_KEPT = 1024;

class TokenBucket {
  private tokens: number;
  private last: number | undefined;

  constructor(private readonly limit: RateLimit) {
    this.tokens = limit.burst;
  }

  take(nowMs: number): boolean {
    if (this.last !== undefined && nowMs > this.last) {
      this.tokens = Math.min(this.limit.burst, this.tokens + ((nowMs - this.last) / 1000) * this.limit.perSecond);
    }
    this.last = this.last === undefined ? nowMs : Math.max(this.last, nowMs);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export class FloodGuard {
  readonly limits: FloodLimits;
  private readonly buckets = new Map<RateName, TokenBucket>();
  private blockStream = 0;
  private blockContinuations = 0;
  private blockBytes = 0;
  private readonly endedByPeer = new RecentIds(ENDED_STREAMS_KEPT);

  /** `peer`: the role of whoever sends the frames counted (the client when the engine serves). */
  constructor(limits: Partial<FloodLimits> = {}, private readonly peer: PeerRole = 'client') {
    this.limits = { ...DEFAULT_FLOOD_LIMITS, ...limits };
  }

  /** Counts one inbound frame (already valid per §4–§6); throws FrameError(ENHANCE_YOUR_CALM) over a limit. */
  check(header: FrameHeader, nowMs: number): void {
    const { type, flags, streamId } = header;
    if ((type === FrameType.DATA || type === FrameType.HEADERS) && this.endedByPeer.get(streamId) !== 0) {
      this.rate('afterEnd', header, nowMs);
    }
    this.countFlood(header, nowMs);
    if (type === FrameType.RST_STREAM || ((type === FrameType.DATA || type === FrameType.HEADERS) && flags & FrameFlag.END_STREAM)) {
      this.endedByPeer.set(streamId, 1);
    }
  }

  private countFlood(header: FrameHeader, nowMs: number): void {
    switch (header.type) {
      case FrameType.RST_STREAM:
        return this.rate('resets', header, nowMs);
      case FrameType.PING:
        if (!(header.flags & FrameFlag.ACK)) this.rate('pings', header, nowMs);
        return;
      case FrameType.SETTINGS:
        if (!(header.flags & FrameFlag.ACK)) this.rate('settings', header, nowMs);
        return;
      case FrameType.DATA:
        if (header.length === 0 && !(header.flags & FrameFlag.END_STREAM)) this.rate('emptyData', header, nowMs);
        return;
      case FrameType.WINDOW_UPDATE:
        return this.rate('windowUpdates', header, nowMs);
      case FrameType.PRIORITY:
        return this.rate('priorities', header, nowMs);
      case FrameType.HEADERS:
        this.blockStream = header.streamId;
        this.blockContinuations = 0;
        this.blockBytes = header.length;
        return this.checkBlock(header);
      case FrameType.CONTINUATION:
        this.blockContinuations++;
        this.blockBytes += header.length;
        if (this.blockContinuations > this.limits.maxContinuations) {
          throw calm(`more than ${this.limits.maxContinuations} CONTINUATION frames in the header block of stream ${this.blockStream}`);
        }
        return this.checkBlock(header);
    }
  }

  private checkBlock(header: FrameHeader): void {
    if (this.blockBytes > this.limits.maxHeaderBlockBytes) {
      throw calm(`header block of stream ${header.streamId} larger than ${this.limits.maxHeaderBlockBytes} bytes`);
    }
  }

  /**
   * Counts a stream we reset because of the peer's frame (a stream error: MadeYouReset,
   * CVE-2025-8671) against the rapid-reset cap: either way a stream ends that may have started
   * work upstream, and the peer sent no RST_STREAM for it.
   */
  streamReset(streamId: number, nowMs: number): void {
    if (this.bucket('resets').take(nowMs)) return;
    const { perSecond, burst } = this.limits.resets;
    throw calm(`stream errors the ${this.peer} caused (the last on stream ${streamId}): more than ${perSecond}/s (burst ${burst}) with its resets`);
  }

  private bucket(name: RateName): TokenBucket {
    let bucket = this.buckets.get(name);
    if (!bucket) this.buckets.set(name, (bucket = new TokenBucket(this.limits[name])));
    return bucket;
  }

  private rate(name: RateName, header: FrameHeader, nowMs: number): void {
    if (this.bucket(name).take(nowMs)) return;
    const { perSecond, burst } = this.limits[name];
    const what = name === 'afterEnd' ? `${frameTypeName(header.type)} after the end of stream ${header.streamId}` : `${frameTypeName(header.type)} flood`;
    throw calm(`${what}: more than ${perSecond}/s (burst ${burst}) from the ${this.peer}`);
  }
}

function calm(message: string): FrameError {
  return new FrameError(ErrorCode.ENHANCE_YOUR_CALM, message);
}
