/**
 * Finds stalled streams on one viewer connection: the window-leak symptom (a connection window
 * drained by resets nobody credited), where DATA stops on every stream while HEADERS, PING and
 * SETTINGS still flow, and nothing fails — the streams just wait.
 *
 * A stream is stalled when, with its response head in, it received no byte for `stallAfterMs`,
 * and a PING sent then is answered with still nothing for it. (A head that is slow to come is
 * the server's or its origin's pace, and is not flow-controlled: no window holds it up.) The answer arrives behind every
 * byte the server wrote before it, so a slow or congested link is not taken for a stall: the
 * link delivered all it had, and the stream's bytes were not among them. An upload that cannot
 * send stalls its echo, so the same test finds it. A stream our client paused (a video player
 * whose buffer is full) waits on us, not on the server: it is not watched until it resumes.
 *
 * Lifecycle: owned by its ViewerConnection, which hands it each stream it opens and stops it when
 * the connection ends (stop(): the one place its timer ends). A stream leaves the watch on close.
 */
import type http2 from 'node:http2';
import type { RunRecorder } from './recorder.js';
import type { StreamRecord } from './types.js';

interface Watched {
  stream: http2.ClientHttp2Stream;
  record: StreamRecord;
  /** When the stream last made progress: its head, or a body byte. */
  lastProgressMs: number;
}

export class StallWatch {
  private readonly watched = new Map<http2.ClientHttp2Stream, Watched>();
  private readonly timer: NodeJS.Timeout;
  private probing = false;

  constructor(
    private readonly recorder: RunRecorder,
    private readonly stallAfterMs: number,
    /** A PING round trip on the connection; undefined when the connection ended first. */
    private readonly ping: () => Promise<number | undefined>,
  ) {
    this.timer = setInterval(() => void this.check(), Math.max(50, stallAfterMs / 4));
    this.timer.unref();
  }

  watch(stream: http2.ClientHttp2Stream, record: StreamRecord): void {
    const entry: Watched = { stream, record, lastProgressMs: this.recorder.now() };
    this.watched.set(stream, entry);
    const progress = (): void => {
      entry.lastProgressMs = this.recorder.now();
    };
    stream.once('response', progress);
    stream.on('data', progress);
    stream.on('resume', progress);
    stream.once('close', () => this.watched.delete(stream));
  }

  stop(): void {
    clearInterval(this.timer);
    this.watched.clear();
  }

  private async check(): Promise<void> {
    if (this.probing) return;
    const now = this.recorder.now();
    const suspects = [...this.watched.values()].filter(
      (w) => w.record.status !== undefined && w.record.stall === undefined && !w.record.cancelledByUs && !w.stream.isPaused() && now - w.lastProgressMs >= this.stallAfterMs,
    );
    if (suspects.length === 0) return;
    this.probing = true;
    const sentMs = this.recorder.now();
    const answered = await this.ping();
    this.probing = false;
    if (answered === undefined) return;
    const detectedMs = this.recorder.now();
    for (const w of suspects) {
      if (w.lastProgressMs < sentMs && !w.record.cancelledByUs && w.record.outcome === undefined) w.record.stall = { sinceMs: w.lastProgressMs, detectedMs, pingMs: answered };
    }
  }
}
