/**
 * A DownstreamBridge as a Node Duplex, for the code that needs a Node stream: the HTTP/1.1
 * upstream paths (forward-h1.ts, and the WebSocket Upgrade of forward-connect.ts, which pump
 * node:http's streams), and test origins. Its readable side is the request body, its writable
 * side the response body, with the few methods of node:http2's ServerHttp2Stream those call
 * (respond, close; rstCode, headersSent).
 *
 * Backpressure both ways, through the bridge: the readable side is the bridge's reader, full when
 * push() says so, resumed by _read; a write the engine's queue is too full for is held until the
 * bridge's drain.
 *
 * Lifecycle: made over a bridge by its exchange's owner (ProxiedStream, lazily; a test origin),
 * which destroys it when the bridge ends (its exchangeClosed); a destroy from this side first resets the
 * stream with CANCEL.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { Duplex } from 'node:stream';
import { ErrorCode } from '../h2/frame/constants.js';
import type { RequestHead } from '../h2/proto/header-validation.js';
import type { DownstreamBridge, ResponseDrainListener } from './downstream-bridge.js';
import { headersOf } from './field-list.js';

export class EngineStream extends Duplex implements ResponseDrainListener {
  /** A response write the engine's queue is too full for: released at the bridge's drain. */
  private heldWrite: ((err?: Error | null) => void) | undefined;
  /** The held write's bytes: already in the engine's queue. */
  private heldLength = 0;
  /** The response's trailers, sent when the body ends (end() or _final), and who hears of their refusal. */
  private trailers: OutgoingHttpHeaders | undefined;
  private onTrailersDropped: ((err: Error) => void) | undefined;

  constructor(readonly bridge: DownstreamBridge) {
    // Not autoDestroy: both sides done here is not the stream done (its END_STREAM may still be queued).
    // readableHighWaterMark 0: a body chunk is credited back when its reader took it, never just for sitting here.
    super({ allowHalfOpen: true, autoDestroy: false, readableHighWaterMark: 0 });
    bridge.adapterBytes = () => this.readableLength + this.writableLength - this.heldLength;
    bridge.onResponseDrain(this);
    bridge.readBody({ onData: (chunk) => this.push(chunk), onEnd: () => this.push(null) });
  }

  get id(): number {
    return this.bridge.id;
  }

  /** The bridge's drain (ResponseDrainListener): the held write is taken. */
  responseDrained(): void {
    const held = this.heldWrite;
    this.heldWrite = undefined;
    this.heldLength = 0;
    held?.();
  }

  get rstCode(): number | undefined {
    return this.bridge.rstCode;
  }

  get headersSent(): boolean {
    return this.bridge.headersSent;
  }

  /** The response head (node:http2's respond()). */
  respond(headers: OutgoingHttpHeaders, options?: { endStream?: boolean }): void {
    this.bridge.respond(headers, options?.endStream === true);
  }

  /** RST_STREAM(code) now. */
  close(code: number = ErrorCode.CANCEL): void {
    this.bridge.close(code);
  }

  /** Ends the response body, with these trailers after it. */
  endWith(trailers: OutgoingHttpHeaders | undefined, onTrailersDropped: (err: Error) => void): void {
    this.trailers = trailers;
    this.onTrailersDropped = onTrailersDropped;
    this.end();
  }

  override _read(): void {
    this.bridge.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.bridge.write(chunk)) return cb();
    this.heldWrite = cb;
    this.heldLength = chunk.length;
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
    this.bridge.close(ErrorCode.CANCEL);
    cb(err);
  }

  private endBody(): void {
    const dropped = this.bridge.end(this.trailers);
    if (dropped) this.onTrailersDropped?.(dropped);
  }
}

/** The request head as node:http2 gives it: pseudo-headers first, repeated fields joined. */
export function requestHeaders(head: RequestHead): { headers: IncomingHttpHeaders; rawHeaders: string[] } {
  const rawHeaders = [':method', head.method, ':scheme', head.scheme];
  if (head.authority !== '') rawHeaders.push(':authority', head.authority);
  rawHeaders.push(':path', head.path);
  // RFC 8441: an extended CONNECT (a WebSocket) says what it tunnels; the forwarder routes on it.
  if (head.protocol !== '') rawHeaders.push(':protocol', head.protocol);
  for (const field of head.fields) rawHeaders.push(field);
  return { headers: headersOf(rawHeaders), rawHeaders };
}
