/**
 * An EventSource: one SSE stream that must keep ticking. It checks every event id follows the
 * previous one (holes are gaps), every event's data against the verifier, and reopens a dropped
 * stream after the server's `retry:` delay with Last-Event-ID, as browsers do. It notes how late
 * each event came (sse-delay.ts): by the origin's `sent:` stamp, or, for a stream of unstamped
 * events, by their arrival gaps once the stream is over.
 *
 * Lifecycle: the client owns its current SSE stream; the viewer tells it when a connection is
 * ready (open) and when the run ends (close, through the connection's stop()).
 */
import type http2 from 'node:http2';
import type { RunRecorder } from './recorder.js';
import { delaysFromArrivals, type SseArrival } from './sse-delay.js';
import type { StreamRecord } from './types.js';
import type { ContentVerifier } from './verifier.js';
import type { ViewerConnection } from './viewer-connection.js';

export interface SseContext {
  recorder: RunRecorder;
  verifier: ContentVerifier;
  eventsPath: string;
}

const DEFAULT_RETRY_MS = 250;

export class SseClient {
  private lastId: number | undefined;
  /** Since when no event came: the first request, then each event (the silence before the first event counts). */
  private silentSince: number | undefined;
  /** Events on the current stream. */
  private streamEvents = 0;
  /** The current stream's unstamped events, measured by their gaps when it ends. */
  private unstamped: SseArrival[] = [];
  private retryMs = DEFAULT_RETRY_MS;
  private opened = 0;
  private current: http2.ClientHttp2Stream | undefined;
  private reopenTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly ctx: SseContext,
    /** The viewer's connection to reopen on, when there is a usable one. */
    private readonly connection: () => ViewerConnection | undefined,
  ) {}

  open(conn: ViewerConnection): void {
    if (this.stopped || this.current) return;
    if (this.opened++ > 0) this.ctx.recorder.sse.reconnects++;
    const headers: http2.OutgoingHttpHeaders = {
      ':path': this.ctx.eventsPath,
      accept: 'text/event-stream',
      'cache-control': 'no-cache',
    };
    if (this.lastId !== undefined) headers['last-event-id'] = String(this.lastId);
    const { stream, record } = conn.request('events', headers);
    this.current = stream;
    // Silence counts from the request itself (the record's start), not from after node:http2 made
    // the stream: under load that took milliseconds the report then left out.
    this.silentSince ??= record.startMs;
    this.streamEvents = 0;
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      text += chunk;
      let end: number;
      while ((end = text.indexOf('\n\n')) >= 0) {
        this.dispatch(text.slice(0, end), record);
        text = text.slice(end + 2);
      }
    });
    stream.once('close', () => {
      this.current = undefined;
      this.measureGaps();
      if (this.streamEvents === 0) this.ctx.recorder.sse.silentStreams++;
      if (this.stopped || record.outcome === 'stopped') return;
      // Dropped (failed or ended): reopen on whatever connection the viewer has by then.
      this.reopenTimer = setTimeout(() => {
        this.reopenTimer = undefined;
        const next = this.connection();
        if (next?.usable) this.open(next);
      }, this.retryMs);
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.reopenTimer) clearTimeout(this.reopenTimer);
    this.measureGaps();
    this.noteSilence(this.ctx.recorder.now());
  }

  private dispatch(block: string, record: StreamRecord): void {
    let id: number | undefined;
    let sent: number | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('id:')) id = Number(line.slice(3).trim());
      else if (line.startsWith('sent:')) sent = Number(line.slice(5).trim());
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      else if (line.startsWith('retry:')) this.retryMs = Number(line.slice(6).trim()) || DEFAULT_RETRY_MS;
    }
    if (data.length === 0) return;
    const sse = this.ctx.recorder.sse;
    const now = this.ctx.recorder.now();
    this.noteSilence(now);
    this.silentSince = now;
    this.streamEvents++;
    sse.events++;
    if (id === undefined || !Number.isSafeInteger(id)) {
      sse.badEvents++;
      return;
    }
    if (this.lastId !== undefined && id > this.lastId + 1) sse.gaps += id - this.lastId - 1;
    if (sent !== undefined && Number.isFinite(sent)) this.ctx.recorder.noteSseDelay(Date.now() - sent, 'stamp');
    else this.unstamped.push({ id, atMs: now });
    const text = data.join('\n');
    if (this.ctx.verifier.verifyEvent(id, text) === false) {
      sse.badEvents++;
      this.ctx.recorder.noteCorruption(record, Buffer.byteLength(text), record.bytes, now);
    }
    this.lastId = id;
  }

  private measureGaps(): void {
    for (const delay of delaysFromArrivals(this.unstamped)) this.ctx.recorder.noteSseDelay(delay, 'arrival-gaps');
    this.unstamped = [];
  }

  private noteSilence(now: number): void {
    const since = this.silentSince;
    if (since !== undefined) this.ctx.recorder.sse.maxSilenceMs = Math.max(this.ctx.recorder.sse.maxSilenceMs, now - since);
  }
}
