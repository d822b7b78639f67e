/**
 * An engine stream (h2/proto/stream.ts) as the downstream HTTP/2 stream ProxiedStream and the
 * forwarders drive: a Duplex whose readable side is the request body and whose writable side is
 * the response body, with the few methods of node:http2's ServerHttp2Stream they call (respond,
 * additionalHeaders, sendTrailers, close, setTimeout; rstCode, headersSent, endAfterHeaders).
 *
 * Backpressure both ways: a request body chunk is credited back to the client (`consumed`) when
 * its reader took it (the pump wrote it to the upstream stream), else when a paused reader resumes
 * and drains what waits here (`_read`): a paused reader (the upstream is full) stalls the client at
 * its window. A response write waits for the engine's onDrain when the engine's stream queue is full.
 *
 * Lifecycle: made by the front for each stream the engine hands it, and ends in one place, the
 * engine stream's end (`onClose` both sides done: rstCode 0; `onReset`: its code): the Duplex is
 * destroyed, which emits 'close' (ProxiedStream's end). A destroy from this side first resets the
 * engine stream with CANCEL.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { Duplex } from 'node:stream';
import { ErrorCode } from '../h2/frame/constants.js';
import type { RequestHead } from '../h2/proto/header-validation.js';
import type { ServerStream, StreamHandler } from '../h2/proto/stream.js';
import type { HeldStream } from './connection-memory.js';
import { fieldsOf, headersOf } from './field-list.js';

export class EngineStream extends Duplex implements StreamHandler, HeldStream {
  readonly id: number;
  readonly endAfterHeaders: boolean;
  /** The final response head went out. */
  headersSent = false;
  /** How the engine stream ended: 0 when both sides finished, else the RST_STREAM code. */
  rstCode: number | undefined;
  private waitForTrailers = false;
  /** Request body bytes taken over the high-water mark, credited when the reader asks for more. */
  private owed = 0;
  /** A response write the engine's queue is too full for: released by onDrain. */
  private heldWrite: ((err?: Error | null) => void) | undefined;
  /** The held write's bytes: already in the engine's queue. */
  private heldLength = 0;
  /** end() or sendTrailers() reached the engine: its END_STREAM is decided. */
  private bodyEnded = false;
  private idleTimer: NodeJS.Timeout | undefined;
  /**
   * The client's window for this stream is closed: from birth when its initial window is 0, and
   * whenever a write waits for the engine's full queue; open again at the engine's onDrain.
   */
  stalled: boolean;

  constructor(private readonly stream: ServerStream, head: RequestHead, bornStalled = false) {
    // Not autoDestroy: both sides done here is not the engine stream done (its END_STREAM may still be queued).
    // readableHighWaterMark 0: a body chunk is credited back when its reader took it (the pump wrote it upstream),
    // or later when a paused reader drains what waits here (_read); never just for sitting in a buffer.
    super({ allowHalfOpen: true, autoDestroy: false, readableHighWaterMark: 0 });
    this.id = stream.id;
    this.endAfterHeaders = head.endStream;
    this.stalled = bornStalled;
  }

  /** Bytes of this stream the proxy buffers: request body not yet taken, response not yet framed. */
  get heldBytes(): number {
    return this.readableLength + this.writableLength - this.heldLength + this.stream.writableLength;
  }

  // ── what the engine tells the stream ────────────────────────────────────────────────────

  onData(chunk: Buffer): void {
    this.idleTimer?.refresh();
    if (this.push(chunk)) this.stream.consumed(chunk.length);
    else this.owed += chunk.length;
  }

  onTrailers(fields: string[]): void {
    this.emit('trailers', headersOf(fields));
  }

  onEnd(): void {
    this.push(null);
  }

  onDrain(): void {
    this.idleTimer?.refresh();
    this.stalled = false;
    const held = this.heldWrite;
    this.heldWrite = undefined;
    this.heldLength = 0;
    held?.();
  }

  onClose(): void {
    this.ended(ErrorCode.NO_ERROR);
  }

  onReset(code: number): void {
    this.ended(code);
  }

  // ── what the proxy calls (ServerHttp2Stream's names) ────────────────────────────────────

  /** The response head; `waitForTrailers`: 'wantTrailers' comes when the body ends, sendTrailers() ends the stream. */
  respond(headers: OutgoingHttpHeaders, options?: { endStream?: boolean; waitForTrailers?: boolean }): void {
    const status = Number(headers[':status']);
    const fields = fieldsOf(headers);
    // As node:http2's respond() does (and the compat layer before it): a final head carries a date.
    if (status >= 200 && headers.date === undefined) fields.push('date', httpDate());
    this.stream.respond(status, fields, options?.endStream === true);
    if (status >= 200) this.headersSent = true;
    this.waitForTrailers = options?.waitForTrailers === true;
    if (options?.endStream) this.end();
  }

  /** An interim (1xx) head. */
  additionalHeaders(headers: OutgoingHttpHeaders): void {
    this.stream.respond(Number(headers[':status']), fieldsOf(headers));
  }

  /** Ends the response with these trailers (none: END_STREAM on the body's last frame). Throws on invalid fields. */
  sendTrailers(headers: OutgoingHttpHeaders): void {
    this.stream.end(fieldsOf(headers));
  }

  /** The body's end goes to the engine once: 'wantTrailers' (sendTrailers ends it), or END_STREAM. */
  private endBody(): void {
    if (this.bodyEnded) return;
    this.bodyEnded = true;
    if (this.waitForTrailers) this.emit('wantTrailers');
    else this.stream.end();
  }

  /** RST_STREAM(code) now; the stream ends with that code. */
  close(code: number = ErrorCode.CANCEL): void {
    if (this.rstCode !== undefined) return;
    this.stream.reset(code);
    this.ended(code);
  }

  /** `onIdle` after `ms` with no body bytes moved either way (a stream, not a socket, timeout). */
  setTimeout(ms: number, onIdle: () => void): this {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(onIdle, ms);
    return this;
  }

  // ── Duplex ──────────────────────────────────────────────────────────────────────────────

  override _read(): void {
    if (this.owed === 0) return;
    const owed = this.owed;
    this.owed = 0;
    this.stream.consumed(owed);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.idleTimer?.refresh();
    if (this.stream.closed || this.stream.write(chunk)) return cb();
    this.heldWrite = cb;
    this.heldLength = chunk.length;
    this.stalled = true;
  }

  /**
   * Ends the body at once when every byte written is in the engine's queue (a held write's are):
   * END_STREAM (or the trailers) then follows the last DATA frame instead of an empty one after
   * the queue drained, as node:http2 does. Bytes still buffered here end it in _final.
   */
  override end(...args: unknown[]): this {
    (super.end as (...a: unknown[]) => this).apply(this, args);
    if (this.writableLength === this.heldLength) this.endBody();
    return this;
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.endBody();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    clearTimeout(this.idleTimer);
    if (this.rstCode === undefined) {
      this.rstCode = ErrorCode.CANCEL;
      this.stream.reset(ErrorCode.CANCEL);
    }
    cb(err);
  }

  private ended(code: number): void {
    if (this.rstCode !== undefined) return;
    this.rstCode = code;
    this.destroy();
  }
}

let dateSecond = -1;
let dateText = '';

/** The current time as an HTTP date, made once a second. */
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

/** The request head as node:http2 gives it: pseudo-headers first, repeated fields joined. */
export function requestHeaders(head: RequestHead): { headers: IncomingHttpHeaders; rawHeaders: string[] } {
  const rawHeaders = [':method', head.method, ':scheme', head.scheme];
  if (head.authority !== '') rawHeaders.push(':authority', head.authority);
  rawHeaders.push(':path', head.path);
  for (const field of head.fields) rawHeaders.push(field);
  return { headers: headersOf(rawHeaders), rawHeaders };
}
