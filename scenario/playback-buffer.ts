/**
 * A video element's media clock and read-ahead buffer: bytes arrive, the playhead consumes them at
 * the video's bitrate while there are any ahead of it (a real player stalls when its buffer runs
 * dry and plays on when bytes come), and a seek empties it. The time comes from `now` (ms), so a
 * test can drive the clock; the player (video-player.ts) asks it how far ahead it is.
 *
 * Lifecycle: its VideoPlayer owns it; it holds no timer and no resource.
 */

/**
 * Chromium's read-ahead rule (third_party/blink/renderer/platform/media/multi_buffer_data_source.cc,
 * MultiBufferDataSource::UpdateBufferSizes; before M110 media/blink/multibuffer_data_source.cc):
 * preload = clamp(kTargetSecondsBufferedAhead (10) × bytes per second, kMinBufferPreload (2 MiB),
 * kMaxBufferPreload (20 MiB)); the reader stops loading at preload + kPreloadHighExtra (1 MiB) and
 * starts again once it falls below preload ("Preload this much extra, then stop preloading until we
 * fall below the kTargetSecondsBufferedAhead"). Left out: the extra Chromium adds for media read
 * from its disk cache (kSlowPreloadPercentage), as a run has none.
 */
const TARGET_SECONDS_AHEAD = 10;
const MIN_PRELOAD_BYTES = 2 * 1024 * 1024;
const MAX_PRELOAD_BYTES = 20 * 1024 * 1024;
const PRELOAD_HIGH_EXTRA_BYTES = 1024 * 1024;

/** Bytes ahead of the playhead at which reading resumes (`low`) and pauses (`high`). */
export interface ReadAheadMarks {
  low: number;
  high: number;
}

export function readAheadMarks(bitsPerSecond: number): ReadAheadMarks {
  const low = Math.min(MAX_PRELOAD_BYTES, Math.max(MIN_PRELOAD_BYTES, Math.round((TARGET_SECONDS_AHEAD * bitsPerSecond) / 8)));
  return { low, high: low + PRELOAD_HIGH_EXTRA_BYTES };
}

export class PlaybackBuffer {
  private received = 0;
  private played = 0;
  private clockMs: number;
  private readonly bytesPerMs: number;

  constructor(
    bitsPerSecond: number,
    private readonly now: () => number,
  ) {
    this.bytesPerMs = bitsPerSecond / 8000;
    this.clockMs = now();
  }

  /** Bytes received and not yet played. */
  get ahead(): number {
    this.advance();
    return this.received - this.played;
  }

  add(bytes: number): void {
    this.advance();
    this.received += bytes;
  }

  /** A seek to an unbuffered position: nothing ahead, nothing to play until bytes come. */
  empty(): void {
    this.advance();
    this.received = 0;
    this.played = 0;
  }

  /** How long until playing brings `ahead` down to `bytes`, if nothing arrives meanwhile (ms). */
  msUntilAhead(bytes: number): number {
    return Math.max(0, (this.ahead - bytes) / this.bytesPerMs);
  }

  /** The playhead moves at the bitrate, and never past what arrived: an empty buffer stalls it. */
  private advance(): void {
    const t = this.now();
    this.played = Math.min(this.received, this.played + (t - this.clockMs) * this.bytesPerMs);
    this.clockMs = t;
  }
}
