/**
 * A downstream engine stream (h2/proto/stream.ts) as the proxy drives it, with no Node stream in
 * between: the engine's callbacks come here, the request body goes on to one BodyReader by
 * callback, and the response goes straight into the engine's stream.
 *
 *   client ─DATA─▶ engine ─onData─▶ bridge ─reader.onData─▶ upstream attempt
 *                        ◀consumed─┘  (credit when the reader took the chunk; a full reader
 *                                     stops the rest here, credited as resume() hands it on)
 *   origin ─▶ attempt ─write()─▶ bridge ─▶ engine stream queue ··· onDrain ─▶ the writer's drain
 *
 * Backpressure both ways as the Duplex before it did: a reader that said full (false) gets nothing
 * more until resume(), and what arrives meanwhile waits here, uncredited, so the client stalls at
 * its window; a response write the engine's queue is too full for is taken, and the writer waits
 * for the drain listener.
 *
 * Lifecycle — owner: the front, which makes it for each stream the engine hands it. It ends in one
 * place, ended(): the engine stream's end (`onClose` both sides done: rstCode 0; `onReset`: its
 * code) or a close() from this side (RST_STREAM(code) first). The connection's memory account and the
 * exchange (its exchangeClosed) are told of it once, on the next tick.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { ErrorCode } from '../h2/frame/constants.js';
import type { RequestHead } from '../h2/proto/header-validation.js';
import type { ServerStream, StreamHandler } from '../h2/proto/stream.js';
import type { ConnectionMemory, HeldStream } from './connection-memory.js';
import type { IdleSweep, IdleWatched } from './idle-sweep.js';
import { fieldsOf, fieldValue, headersOf } from './field-list.js';

/** Where a request body goes: each chunk once, in order, then its end. */
export interface BodyReader {
  /** A request body chunk; false: the reader is full, nothing more until resume(). */
  onData(chunk: Buffer): boolean;
  onEnd(): void;
}

const RequestPhase = {
  /** Body bytes may still come. */
  Open: 0,
  /** The client ended its side; queued bytes may still wait for the reader. */
  EndReceived: 1,
  /** The end went to the reader. */
  Ended: 2,
} as const;
type RequestPhase = (typeof RequestPhase)[keyof typeof RequestPhase];

/**
 * Who the bridge's exchange is (a ProxiedStream, or an adapter): called by method, not by closures
 * made per stream.
 */
export interface BridgeExchange {
  /** The stream ended: called once, in ended()'s second half. */
  exchangeClosed(): void;
  /** No body byte moved either way for `ms`, the connection's stream idle timeout (watchIdle). */
  idleTimeout?(ms: number): void;
}

/** Hears each drain of the engine's response queue after a write() said false. */
export interface ResponseDrainListener {
  responseDrained(): void;
}

/** A reader that drops the body: the origin answered in full and stopped reading. */
const DISCARD: BodyReader = { onData: () => true, onEnd: () => {} };

export class DownstreamBridge implements StreamHandler, HeldStream, IdleWatched {
  readonly id: number;
  /** The request head as the engine decoded it. */
  readonly head: RequestHead;
  /** The final response head went out. */
  headersSent = false;
  /** How the stream ended: 0 when both sides finished, else the RST_STREAM code. */
  rstCode: number | undefined;
  /** The client's request trailers, once they came. */
  requestTrailers: IncomingHttpHeaders | undefined;
  /** The exchange on this stream: hears its end (once, in ended()) and its idle timeout. */
  exchange: BridgeExchange | undefined;
  /**
   * The client's window for this stream is closed: from birth when its initial window is 0, and
   * whenever a write finds the engine's queue full; open again at the engine's onDrain.
   */
  stalled: boolean;
  /** Its slot in the connection's memory account (ConnectionMemory's). */
  memorySlot = -1;
  /** Bytes an adapter (engine-stream.ts) buffers on this stream's behalf. */
  adapterBytes: () => number = noBytes;
  private requestPhase: RequestPhase = RequestPhase.Open;
  private reader: BodyReader | undefined;
  private readerFull = false;
  /** Request body chunks not yet taken by a reader (not credited to the client). */
  private queued: Buffer[] | undefined;
  private queuedBytes = 0;
  private drainListener: ResponseDrainListener | undefined;
  /** end() reached the engine: its END_STREAM is decided. */
  private bodyEnded = false;
  /** Ticks of the connection's idle sweep since a body byte last moved (IdleSweep's). */
  idleTicks = 0;
  /** Its slot among the idle sweep's streams (IdleSweep's). */
  idleSlot = -1;

  constructor(
    private readonly stream: ServerStream,
    head: RequestHead,
    bornStalled = false,
    /** The connection's memory account, which holds this stream until it ends. */
    private readonly memory?: ConnectionMemory,
    /** The connection's stream idle timeout, if it has one. */
    private readonly idleSweep?: IdleSweep,
  ) {
    this.id = stream.id;
    this.head = head;
    this.stalled = bornStalled;
  }

  /** Bytes of this stream the proxy buffers: request body not yet taken, response not yet framed. */
  get heldBytes(): number {
    return this.queuedBytes + this.stream.writableLength + this.adapterBytes();
  }

  /** The stream ended (closed or reset). */
  get closed(): boolean {
    return this.rstCode !== undefined;
  }

  /** The response body's end went to the engine (or the head ended the response). */
  get writableEnded(): boolean {
    return this.bodyEnded;
  }

  /** The request body's end went to a reader: nothing more of it will come. */
  get requestEnded(): boolean {
    return this.requestPhase === RequestPhase.Ended;
  }

  // ── what the engine tells the stream ────────────────────────────────────────────────────

  onData(chunk: Buffer): void {
    this.idleTicks = 0;
    if (this.reader && !this.readerFull && this.queued === undefined) {
      this.stream.consumed(chunk.length);
      this.readerFull = !this.reader.onData(chunk);
      return;
    }
    (this.queued ??= []).push(chunk);
    this.queuedBytes += chunk.length;
  }

  onTrailers(fields: string[]): void {
    this.requestTrailers = headersOf(fields);
  }

  onEnd(): void {
    this.requestPhase = RequestPhase.EndReceived;
    this.flush();
  }

  onDrain(): void {
    this.idleTicks = 0;
    this.stalled = false;
    this.drainListener?.responseDrained();
  }

  onClose(): void {
    this.ended(ErrorCode.NO_ERROR);
  }

  onReset(code: number): void {
    this.ended(code);
  }

  // ── the request body ────────────────────────────────────────────────────────────────────

  /** The body goes to `reader` from now on, what waits here first. */
  readBody(reader: BodyReader): void {
    this.reader = reader;
    this.readerFull = false;
    this.flush();
  }

  /** The reader can take more. */
  resume(): void {
    this.readerFull = false;
    this.flush();
  }

  /** No reader for now: the body waits here, uncredited (a retry's attempt reads it again). */
  stopReading(): void {
    this.reader = undefined;
  }

  /** The rest of the body is read and dropped, so that the client can finish sending it. */
  discardBody(): void {
    this.readBody(DISCARD);
  }

  private flush(): void {
    while (this.queued !== undefined && this.reader && !this.readerFull) {
      const chunk = this.queued.shift()!;
      if (this.queued.length === 0) this.queued = undefined;
      this.queuedBytes -= chunk.length;
      this.stream.consumed(chunk.length);
      this.readerFull = !this.reader.onData(chunk);
    }
    if (this.queued === undefined && this.reader && this.requestPhase === RequestPhase.EndReceived) {
      this.requestPhase = RequestPhase.Ended;
      this.reader.onEnd();
    }
  }

  // ── the response ────────────────────────────────────────────────────────────────────────

  /** The response head (`:status` among `headers`); `endStream`: the head is the whole response. */
  respond(headers: OutgoingHttpHeaders, endStream: boolean): void {
    this.respondFields(Number(headers[':status']), fieldsOf(headers), endStream);
  }

  /** respond() with the head's regular fields flat (this stream adds `date` to them if missing). */
  respondFields(status: number, fields: string[], endStream: boolean): void {
    // As node:http2's respond() does: a final head carries a date.
    if (status >= 200 && fieldValue(fields, 'date') === undefined) fields.push('date', httpDate());
    this.stream.respond(status, fields, endStream);
    if (status >= 200) this.headersSent = true;
    if (endStream) this.bodyEnded = true;
  }

  /** Response body bytes: false when the engine's queue is full (the writer waits for its drain listener). */
  write(chunk: Buffer): boolean {
    this.idleTicks = 0;
    if (this.stream.closed) return true;
    if (this.stream.write(chunk)) return true;
    this.stalled = true;
    return false;
  }

  /** Called at each drain of the engine's queue after a write() said false. */
  onResponseDrain(listener: ResponseDrainListener | undefined): void {
    this.drainListener = listener;
  }

  /**
   * Ends the body (END_STREAM after every queued byte), with trailers if any. Trailer fields the
   * engine refuses are dropped and the body still ends; the refusal is returned.
   */
  end(trailers?: OutgoingHttpHeaders): Error | undefined {
    if (this.bodyEnded || this.stream.closed) return undefined;
    this.bodyEnded = true;
    // None: END_STREAM on the body's last frame (as the Duplex's empty wantTrailers set did), with no list made for it.
    if (!trailers) {
      this.stream.end();
      return undefined;
    }
    try {
      this.stream.end(fieldsOf(trailers));
      return undefined;
    } catch (err) {
      this.stream.end([]);
      return err as Error;
    }
  }

  /** RST_STREAM(code) now; the stream ends with that code. */
  close(code: number = ErrorCode.CANCEL): void {
    if (this.rstCode !== undefined) return;
    this.stream.reset(code);
    this.ended(code);
  }

  /**
   * The exchange's idleTimeout() once no body byte moved either way for the connection's stream
   * idle timeout (a stream, not a socket, timeout); never on a connection without one.
   */
  watchIdle(): void {
    if (!this.idleSweep || this.closed) return;
    this.idleSweep.watch(this);
  }

  /** The idle sweep's call (IdleWatched). */
  idleFired(): void {
    this.exchange?.idleTimeout?.(this.idleSweep!.timeoutMs);
  }

  private ended(code: number): void {
    if (this.rstCode !== undefined) return;
    this.rstCode = code;
    this.idleSweep?.unwatch(this);
    this.reader = undefined;
    this.drainListener = undefined;
    // Told a tick later, as a Node stream's 'close' is: the engine ends a stream as it frames its
    // last frame, and the frame path's delivery ledger learns of that frame only after this call.
    // One tick for the streams that end before it runs (a flush ends many), not one each.
    if (endedBridges.push(this) === 1) process.nextTick(tellEndedBridges);
  }

  /** ended()'s second half, on the tick after it: the owners hear of it (called by tellEndedBridges only). */
  tellClosed(): void {
    this.memory?.delete(this);
    const exchange = this.exchange;
    // The exchange is let go: the engine's record of this stream may be kept past its end by
    // garbage still pointing at it (connection-memory.ts), and should not keep the exchange too.
    this.exchange = undefined;
    exchange?.exchangeClosed();
  }
}

/**
 * The bridges that ended since the last tellEndedBridges, in the order they ended. Lifecycle: a
 * bridge joins in its ended() and leaves at the next tick, where it is told; one that ends while
 * they are told joins the next batch (on its own next tick), as do those after one whose telling threw.
 */
let endedBridges: DownstreamBridge[] = [];
/** The other array of the two endedBridges takes turns with: told while the other one fills. */
let tellingBridges: DownstreamBridge[] = [];

function tellEndedBridges(): void {
  const batch = endedBridges;
  endedBridges = tellingBridges;
  tellingBridges = batch;
  let told = 0;
  try {
    while (told < batch.length) batch[told++]!.tellClosed();
  } finally {
    // An exchange's end threw (a stream-end listener, say): the bridges after it are told first
    // on the next tick, as each was when it had a tick of its own, not dropped with the batch.
    if (told < batch.length) {
      if (endedBridges.length === 0) process.nextTick(tellEndedBridges);
      endedBridges = batch.slice(told).concat(endedBridges);
    }
    batch.length = 0;
  }
}

function noBytes(): number {
  return 0;
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
