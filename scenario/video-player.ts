/**
 * A video element's network side, as Chromium drives it: one open-ended Range request
 * (`bytes=N-`) at a time, read until the bytes ahead of the playhead reach the read-ahead target
 * (playback-buffer.ts: Chromium's rule at the video's bitrate), then paused — node:http2 stops
 * crediting a paused stream's window, so the server stops writing it once the window is spent, as
 * it does for Chromium — and read again once playing has brought the buffer below its low mark.
 * A seek resets the in-flight request with RST_STREAM(CANCEL), empties the buffer and opens a new
 * range at the new position.
 *
 * The time the player wanted bytes (reading, not paused) and the bytes that arrived meanwhile go
 * to the recorder: video goodput is measured over that time (summary.ts), as a viewer with a full
 * buffer takes nothing whatever the link could carry.
 *
 * Lifecycle: the player owns its current range stream and its resume timer; a seek or a new
 * connection replaces the stream, and stop() (the viewer's end) or the stream's close ends the
 * timer. Phases: idle (no range open), filling (reading: the player wants bytes), full (paused
 * until the buffer falls to its low mark), closedResting (no range open: it closed while full, so
 * the next one, after a reconnect, rests on until the buffer falls to its low mark).
 */
import type http2 from 'node:http2';
import { BodyChecker } from './body-checker.js';
import { PlaybackBuffer, readAheadMarks, type ReadAheadMarks } from './playback-buffer.js';
import type { RunRecorder } from './recorder.js';
import type { StreamRecord } from './types.js';
import type { ContentVerifier } from './verifier.js';
import type { ViewerConnection } from './viewer-connection.js';

export interface PlayerContext {
  recorder: RunRecorder;
  verifier: ContentVerifier;
  pending: Set<Promise<void>>;
  videoPath: string;
  /** The viewer's number, for the wanting time the recorder keeps per viewer. */
  viewer: number;
  /** The video's bitrate: the playhead's speed and the read-ahead target's measure. */
  bitsPerSecond: number;
}

type Phase = 'idle' | 'filling' | 'full' | 'closedResting';

export class VideoPlayer {
  /** Body offset the next request starts at (advances as bytes arrive). */
  position = 0;
  /** The video's size, once a response told it (Content-Range / Content-Length). */
  size: number | undefined;
  private current: { stream: http2.ClientHttp2Stream; record: StreamRecord } | undefined;
  private phase: Phase = 'idle';
  private fillingSinceMs = 0;
  /** Bytes node held for the stream when it resumed: they arrived while the player rested. */
  private heldAtResume = 0;
  private resumeTimer: NodeJS.Timeout | undefined;
  private readonly buffer: PlaybackBuffer;
  private readonly marks: ReadAheadMarks;

  constructor(private readonly ctx: PlayerContext) {
    this.buffer = new PlaybackBuffer(ctx.bitsPerSecond, () => ctx.recorder.now());
    this.marks = readAheadMarks(ctx.bitsPerSecond);
  }

  /** Requests the video from `position` on `conn` (after a connect or a seek). */
  play(conn: ViewerConnection): void {
    const start = this.size !== undefined && this.position >= this.size ? 0 : this.position;
    const opened = conn.request('video', { ':path': this.ctx.videoPath, range: `bytes=${start}-` }, start);
    this.current = opened;
    this.heldAtResume = 0;
    const wasResting = this.phase === 'full' || this.phase === 'closedResting';
    // Whatever the last range was doing ends here (its resume timer with it).
    this.setPhase('idle');
    const { stream, record } = opened;
    record.wantedBytes = 0;
    let checker: BodyChecker | undefined;
    stream.once('response', (headers) => {
      const status = Number(headers[':status']);
      const range = parseContentRange(headers['content-range']);
      if (range) this.size = range.size;
      else if (status === 200 && headers['content-length'] !== undefined) this.size = Number(headers['content-length']);
      if (status !== 200 && status !== 206) return;
      const offset = status === 206 && range ? range.start : 0;
      this.position = offset;
      checker = new BodyChecker(this.ctx.verifier, this.ctx.recorder, record, this.ctx.pending, this.ctx.videoPath, offset, status === 206);
    });
    stream.on('data', (chunk: Buffer) => {
      if (!checker) return;
      checker.push(chunk);
      if (this.current?.stream !== stream) return;
      this.position += chunk.length;
      const held = Math.min(this.heldAtResume, chunk.length);
      this.heldAtResume -= held;
      record.wantedBytes = (record.wantedBytes ?? 0) + chunk.length - held;
      this.buffer.add(chunk.length);
      if (this.buffer.ahead >= this.marks.high) this.rest(stream);
    });
    stream.once('close', () => {
      checker?.flush();
      if (this.current?.stream !== stream) return;
      this.current = undefined;
      this.setPhase(this.phase === 'full' ? 'closedResting' : 'idle');
    });
    // After a reconnect the buffer may still hold its target, or the player was resting when the
    // connection went: it rests on at once, wanting nothing, as Chromium's reader keeps stopped
    // until the buffer falls below its low mark.
    const ahead = this.buffer.ahead;
    if (ahead >= this.marks.high || (wasResting && ahead > this.marks.low)) this.rest(stream);
    else this.setPhase('filling');
  }

  /** A seek: cancel the in-flight range (if any), empty the buffer and play from `to`. */
  seek(conn: ViewerConnection, to: number): void {
    if (this.current) this.ctx.recorder.cancel(this.current.stream, this.current.record);
    this.current = undefined;
    this.buffer.empty();
    this.position = to;
    this.play(conn);
  }

  /** The viewer's end: the wanting time so far is recorded and the resume timer cleared. */
  stop(): void {
    this.setPhase('idle');
  }

  /** The buffer holds its target: stop reading until playing brings it down to the low mark. */
  private rest(stream: http2.ClientHttp2Stream): void {
    stream.pause();
    this.setPhase('full');
    // The phase owns one timer: a rest while already resting (a chunk after stop(), while the
    // link still closes) replaces it rather than leaving the first one running.
    clearTimeout(this.resumeTimer);
    this.resumeTimer = setTimeout(() => this.wake(stream), this.buffer.msUntilAhead(this.marks.low));
  }

  private wake(stream: http2.ClientHttp2Stream): void {
    this.resumeTimer = undefined;
    if (this.buffer.ahead > this.marks.low) {
      this.resumeTimer = setTimeout(() => this.wake(stream), Math.max(1, this.buffer.msUntilAhead(this.marks.low)));
      return;
    }
    this.setPhase('filling');
    this.heldAtResume = stream.readableLength;
    stream.resume();
  }

  /** The one place phases change: wanting time is recorded as 'filling' ends, the timer cleared as 'full' ends. */
  private setPhase(next: Phase): void {
    if (this.phase === next) return;
    const now = this.ctx.recorder.now();
    if (this.phase === 'filling') this.ctx.recorder.noteVideoWanting(this.ctx.viewer, now - this.fillingSinceMs);
    if (this.phase === 'full') {
      clearTimeout(this.resumeTimer);
      this.resumeTimer = undefined;
    }
    if (next === 'filling') this.fillingSinceMs = now;
    this.phase = next;
  }
}

function parseContentRange(value: string | string[] | undefined): { start: number; size: number } | undefined {
  const m = typeof value === 'string' ? /^bytes (\d+)-\d+\/(\d+)$/.exec(value) : null;
  return m ? { start: Number(m[1]), size: Number(m[2]) } : undefined;
}
