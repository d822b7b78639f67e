/**
 * One simulated gRPC client (`compare --grpc`): one HTTP/2 connection, as a gRPC channel keeps
 * it, carrying the demo service's calls (origin/grpc-origin.ts) —
 *   - a Watch call (server-streaming) that must keep delivering: the bystander, in the SSE
 *     stream's place; its messages and reopenings are counted as the SSE stream's are;
 *   - Fetch calls with a large answer, one at a time, each cancelled mid-answer at the client's
 *     seek times (RST_STREAM(CANCEL), as grpc-js's call.cancel() sends): the video's place;
 *   - Ping calls, small, at the small requests' times.
 * Every message byte is checked against grpcContent; a byte that differs is corruption. A call
 * ending with a grpc-status other than OK is recorded with it. When the connection dies the
 * client opens a new one and goes on, as a channel reconnects.
 *
 * Lifecycle: as a Viewer's (viewer.ts): the run owns it; it owns its connection (one at a time),
 * its calls and its timers, and stop() is where all of them end.
 */
import type http2 from 'node:http2';
import { GRPC_PATHS, WATCH_MESSAGE_BYTES, grpcContent } from '../origin/grpc-origin.js';
import type { SeededRandom } from '../faults/random.js';
import { GrpcMessageReader, grpcFrame, grpcRequestHeaders, grpcStatus } from './grpc-wire.js';
import type { RunRecorder } from './recorder.js';
import type { StreamRecord } from './types.js';
import type { ViewerSettings } from './viewer.js';
import type { ViewerConnection } from './viewer-connection.js';
import type { RepeatingTimers } from './repeating-timers.js';
import { ReconnectingLink } from './reconnecting-link.js';

/** A Fetch answer: large enough to be in flight on any profile when the cancel comes. */
const FETCH_BYTES = 1024 * 1024;
const REOPEN_DELAY_MS = 100;

export class GrpcViewer {
  private readonly link: ReconnectingLink;
  private fetching: { stream: http2.ClientHttp2Stream; record: StreamRecord } | undefined;
  private watching = false;
  private watchOpened = 0;
  /** Since when no Watch message came (the first Watch request, then each message): the SSE silence. */
  private silentSince: number | undefined;
  private pinging = false;

  constructor(
    private readonly index: number,
    private readonly settings: ViewerSettings,
    private readonly random: SeededRandom,
  ) {
    this.link = new ReconnectingLink(settings, index, (conn) => {
      this.watch(conn);
      this.fetch(conn);
    });
  }

  private get timers(): RepeatingTimers {
    return this.link.timers;
  }

  private get recorder(): RunRecorder {
    return this.settings.recorder;
  }

  start(): void {
    this.link.connect();
    if (this.settings.seeksPerSecond > 0) this.timers.every(this.random.fork('seeks'), this.settings.seeksPerSecond, () => this.cancelFetch());
    if (this.settings.smallPerSecond > 0) this.timers.every(this.random.fork('small'), this.settings.smallPerSecond, () => this.ping());
  }

  /** No more cancels or pings (ReconnectingLink.drain). */
  async drain(): Promise<void> {
    await this.link.drain();
  }

  async stop(): Promise<void> {
    const stopped = this.link.stop();
    this.noteSilence();
    await stopped;
  }

  /** The usable connection, a draining one replaced first (ReconnectingLink.usable), as a gRPC channel does after a graceful GOAWAY. */
  private usable(): ViewerConnection | undefined {
    return this.link.usable();
  }

  /** Opens a call on `conn`: its request message sent, its answer's bytes checked against `expected(message)`. */
  private call(conn: ViewerConnection, kind: StreamRecord['kind'], path: string, request: Buffer, expected: (message: number) => Buffer) {
    const opened = conn.request(kind, grpcRequestHeaders(path));
    const { stream, record } = opened;
    let bodyOffset = 0;
    const reader = new GrpcMessageReader((message, offset, bytes) => {
      const want = expected(message);
      let wrong = 0;
      for (let i = 0; i < bytes.length; i++) if (bytes[i] !== want[offset + i]) wrong++;
      if (wrong > 0 || bytes.length + offset > want.length) this.recorder.noteCorruption(record, Math.max(wrong, 1), bodyOffset, this.recorder.now());
      bodyOffset += bytes.length;
    });
    stream.on('data', (chunk: Buffer) => reader.push(chunk));
    const noteStatus = (fields: http2.IncomingHttpHeaders) => {
      const status = grpcStatus(fields);
      if (status !== undefined) record.grpcStatus = status;
    };
    stream.once('response', noteStatus);
    stream.once('trailers', noteStatus);
    stream.end(grpcFrame(request));
    return { ...opened, reader };
  }

  /** The Watch call: reopened after it drops, on whatever connection there is then. */
  private watch(conn: ViewerConnection): void {
    if (this.watching || this.link.phase === 'stopped') return;
    this.watching = true;
    if (this.watchOpened++ > 0) this.recorder.sse.reconnects++;
    this.silentSince ??= this.recorder.now();
    const { stream, reader } = this.call(conn, 'events', GRPC_PATHS.watch, Buffer.alloc(0), (i) => grpcContent(i, WATCH_MESSAGE_BYTES));
    let counted = 0;
    stream.on('data', () => {
      if (reader.messages === counted) return;
      this.noteSilence();
      this.silentSince = this.recorder.now();
      this.recorder.sse.events += reader.messages - counted;
      counted = reader.messages;
    });
    stream.once('close', () => {
      this.watching = false;
      if (counted === 0) this.recorder.sse.silentStreams++;
      this.timers.once(REOPEN_DELAY_MS, () => {
        const next = this.usable();
        if (next) this.watch(next);
      });
    });
  }

  private noteSilence(): void {
    const { sse } = this.recorder;
    if (this.silentSince !== undefined) sse.maxSilenceMs = Math.max(sse.maxSilenceMs, this.recorder.now() - this.silentSince);
  }

  /** One Fetch call at a time: when one ends (or is cancelled) the next starts. */
  private fetch(conn: ViewerConnection): void {
    if (this.fetching || this.link.phase === 'stopped') return;
    const { stream, record } = this.call(conn, 'video', GRPC_PATHS.fetch, Buffer.from(String(FETCH_BYTES)), () => grpcContent(FETCH_BYTES, FETCH_BYTES));
    this.fetching = { stream, record };
    stream.once('close', () => {
      if (this.fetching?.stream === stream) this.fetching = undefined;
      const next = this.usable();
      // A call the client cancelled is replaced at once, as a seek asks for the next range.
      if (next && this.link.phase === 'running') {
        if (record.cancelledByUs) this.fetch(next);
        else this.timers.once(REOPEN_DELAY_MS, () => this.fetchOnUsable());
      }
    });
  }

  private fetchOnUsable(): void {
    const conn = this.usable();
    if (conn) this.fetch(conn);
  }

  /** The client gives up on the Fetch in flight: RST_STREAM(CANCEL) mid-answer (its close starts the next). */
  private cancelFetch(): void {
    const current = this.fetching;
    if (current) this.recorder.cancel(current.stream, current.record);
    else this.fetchOnUsable();
  }

  private ping(): void {
    const conn = this.usable();
    if (!conn || this.pinging) return;
    this.pinging = true;
    const message = Buffer.from(`ping ${this.index}`);
    const { stream } = this.call(conn, 'small', GRPC_PATHS.ping, message, () => message);
    stream.once('close', () => (this.pinging = false));
  }
}
