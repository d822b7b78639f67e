/**
 * A video element's network side, as Chromium drives it: one open-ended Range request
 * (`bytes=N-`) at a time, read as fast as it comes; a seek resets the in-flight request with
 * RST_STREAM(CANCEL) and opens a new one at the new position.
 *
 * Lifecycle: the player owns its current range stream; a seek or a new connection replaces it.
 */
import type http2 from 'node:http2';
import { BodyChecker } from './body-checker.js';
import type { RunRecorder } from './recorder.js';
import type { StreamRecord } from './types.js';
import type { ContentVerifier } from './verifier.js';
import type { ViewerConnection } from './viewer-connection.js';

export interface PlayerContext {
  recorder: RunRecorder;
  verifier: ContentVerifier;
  pending: Set<Promise<void>>;
  videoPath: string;
}

export class VideoPlayer {
  /** Body offset the next request starts at (advances as bytes arrive). */
  position = 0;
  /** The video's size, once a response told it (Content-Range / Content-Length). */
  size: number | undefined;
  private current: { stream: http2.ClientHttp2Stream; record: StreamRecord } | undefined;

  constructor(private readonly ctx: PlayerContext) {}

  /** Requests the video from `position` on `conn` (after a connect or a seek). */
  play(conn: ViewerConnection): void {
    const start = this.size !== undefined && this.position >= this.size ? 0 : this.position;
    const opened = conn.request('video', { ':path': this.ctx.videoPath, range: `bytes=${start}-` }, start);
    this.current = opened;
    const { stream, record } = opened;
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
      if (this.current?.stream === stream) this.position += chunk.length;
    });
    stream.once('close', () => {
      checker?.flush();
      if (this.current?.stream === stream) this.current = undefined;
    });
  }

  /** A seek: cancel the in-flight range (if any) and play from `to`. */
  seek(conn: ViewerConnection, to: number): void {
    if (this.current) this.ctx.recorder.cancel(this.current.stream, this.current.record);
    this.current = undefined;
    this.position = to;
    this.play(conn);
  }
}

function parseContentRange(value: string | string[] | undefined): { start: number; size: number } | undefined {
  const m = typeof value === 'string' ? /^bytes (\d+)-\d+\/(\d+)$/.exec(value) : null;
  return m ? { start: Number(m[1]), size: Number(m[2]) } : undefined;
}
