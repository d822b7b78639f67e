/**
 * One HTTP/2 stream: a small record, no EventEmitter, no Duplex. The application drives it with
 * its methods (respond / write / end / reset / consumed) and hears from it through the handler it
 * gave for the stream (undici's style).
 *
 * Lifecycle: created by the connection when the peer opens the stream; it closes in one place,
 * the connection's `closeStream` — both sides ended (Ended), or a reset either way, or the
 * connection's end — after which its methods do nothing. The handler hears `onEnd` when the
 * peer's side ended normally and `onReset` at most once when the stream ended otherwise.
 */
import { ErrorCode } from '../frame/constants.js';
import { RecvWindow } from './flow-window.js';
import { regularFieldsProblem } from './header-validation.js';
import { BodyEnd, OutboundBody } from './outbound-body.js';
import { StreamState, canSend } from './stream-state.js';

/** Why a stream ended without both sides finishing. */
export type ResetCause =
  /** The peer sent RST_STREAM. */
  | 'peer'
  /** The engine reset it: the peer broke a rule for this stream (the code says which). */
  | 'protocol'
  /** The connection ended under it (GOAWAY, transport closed). */
  | 'connection'
  /**
   * The peer did not process it (REFUSED_STREAM, or above the last-stream-id of its GOAWAY):
   * nothing of it was acted on, the request may be sent again (the client role).
   */
  | 'unprocessed';

export interface StreamHandler {
  /** Request (or response) body bytes: a view, valid as long as the application keeps it. Call `consumed` when done with them. */
  onData?(chunk: Buffer): void;
  /** The peer's trailers; `onEnd` follows. */
  onTrailers?(fields: string[]): void;
  /** The peer ended its side (END_STREAM). */
  onEnd?(): void;
  /** The stream ended abnormally; nothing more will be delivered or sent. */
  onReset?(code: number, cause: ResetCause): void;
  /** After `write` returned false: the queue fell below the high-water mark. */
  onDrain?(): void;
  /** Both sides ended normally (the last frame of ours is framed): the stream is closed. */
  onClose?(): void;
}

/** What a server application holds of a stream. */
export interface ServerStream {
  readonly id: number;
  /** Sends the response head; a 1xx status is informational and may come before the final one. */
  respond(status: number, fields?: readonly string[], endStream?: boolean): void;
  /** Queues body bytes; false when the application should wait for `onDrain`. */
  write(chunk: Buffer): boolean;
  /** Ends the body, with trailers if given (after every queued byte). */
  end(trailers?: readonly string[]): void;
  /** RST_STREAM(code) now; queued body bytes are dropped. */
  reset(code?: number): void;
  /** The application is done with `n` bytes `onData` gave it: the peer may send that many more. */
  consumed(n: number): void;
  /** Body bytes written and not yet framed. */
  readonly writableLength: number;
  readonly closed: boolean;
}

/** What a stream needs of its connection. */
export interface StreamHost {
  sendHead(stream: H2Stream, status: number, fields: readonly string[], endStream: boolean): void;
  bodyChanged(stream: H2Stream): void;
  resetStream(stream: H2Stream, code: number): void;
  consumed(stream: H2Stream, n: number): void;
}

/**
 * How far the stream's response head has come, in either role: the head we send (server) or the
 * head we receive (client). 1xx heads may come before the final one; the body follows the final.
 */
export const ResponsePhase = {
  None: 0,
  /** A 1xx head went (or came); the final one is still due. */
  Informational: 1,
  Final: 2,
} as const;
export type ResponsePhase = (typeof ResponsePhase)[keyof typeof ResponsePhase];

/** A stream's handler until the application gives one: shared, as it holds nothing. */
const NO_HANDLER: StreamHandler = Object.freeze({});

export class H2Stream implements ServerStream {
  // Engine-owned protocol state: the connection reads and changes it, the application does not.
  state: StreamState = StreamState.Open;
  handler: StreamHandler = NO_HANDLER;
  /** DATA bytes received, against the declared content-length (-1: none). */
  received = 0;
  contentLength = -1;
  /** Bytes delivered by onData the application has not consumed. */
  unconsumed = 0;
  /** In the send scheduler's ready list. */
  ready = false;
  /** `write` returned false: onDrain is owed. */
  drainOwed = false;
  /** The server role's respond() moves it; the client role's connection, as response heads arrive. */
  response: ResponsePhase = ResponsePhase.None;
  /**
   * Made at their first use, from the initial sizes (every change to a window goes through its
   * getter, so nothing is missed): a GET's request stream never has a body to send nor, once its
   * HEADERS ended it, DATA to receive.
   */
  private outbound: OutboundBody | undefined;
  private inbound: RecvWindow | undefined;

  constructor(
    readonly id: number,
    private readonly host: StreamHost,
    private readonly initialSendWindow: number,
    private readonly initialRecvWindow: number,
    private readonly highWaterMark: number,
  ) {}

  get body(): OutboundBody {
    return (this.outbound ??= new OutboundBody(this.initialSendWindow));
  }

  get recvWindow(): RecvWindow {
    return (this.inbound ??= new RecvWindow(this.initialRecvWindow, this.initialRecvWindow));
  }

  /** The stream was reset: what its body still queues is dropped. */
  dropBody(): void {
    this.outbound?.clear();
  }

  get closed(): boolean {
    return this.state === StreamState.Closed;
  }

  get writableLength(): number {
    return this.outbound === undefined ? 0 : this.outbound.queued;
  }

  respond(status: number, fields: readonly string[] = [], endStream = false): void {
    if (!Number.isInteger(status) || status < 100 || status > 999 || status === 101) {
      throw new RangeError(`h2 stream ${this.id}: invalid response status ${status} (101 does not exist in HTTP/2)`);
    }
    if (this.response === ResponsePhase.Final) throw new Error(`h2 stream ${this.id}: respond() after the final response head`);
    const informational = status < 200;
    if (informational && endStream) throw new Error(`h2 stream ${this.id}: a ${status} response cannot end the stream`);
    this.checkFields(fields);
    if (!canSend(this.state)) return;
    this.response = informational ? ResponsePhase.Informational : ResponsePhase.Final;
    this.host.sendHead(this, status, fields, endStream);
  }

  write(chunk: Buffer): boolean {
    if (this.body.ending !== BodyEnd.Open) {
      if (!canSend(this.state)) return false;
      throw new Error(`h2 stream ${this.id}: write() after end()`);
    }
    this.requireFinalResponse('write()');
    if (!canSend(this.state)) return false;
    this.body.push(chunk);
    this.host.bodyChanged(this);
    if (this.body.queued < this.highWaterMark) return true;
    this.drainOwed = true;
    return false;
  }

  end(trailers?: readonly string[]): void {
    if (this.body.ending !== BodyEnd.Open || !canSend(this.state)) return;
    this.requireFinalResponse('end()');
    if (trailers) this.checkFields(trailers);
    if (trailers && trailers.length > 0) {
      this.body.trailers = trailers;
      this.body.ending = BodyEnd.Trailers;
    } else {
      this.body.ending = BodyEnd.End;
    }
    this.host.bodyChanged(this);
  }

  reset(code: number = ErrorCode.CANCEL): void {
    if (this.state !== StreamState.Closed) this.host.resetStream(this, code);
  }

  consumed(n: number): void {
    const taken = Math.min(n, this.unconsumed);
    if (taken <= 0) return;
    this.unconsumed -= taken;
    this.host.consumed(this, taken);
  }

  /** Fields the application sends must make a well-formed message (§8.2): the peer would reject it. */
  private checkFields(fields: readonly string[]): void {
    if (fields.length % 2 !== 0) throw new TypeError(`h2 stream ${this.id}: fields are [name, value, ...]: odd length ${fields.length}`);
    const problem = regularFieldsProblem(fields);
    if (problem) throw new TypeError(`h2 stream ${this.id}: ${problem}`);
  }

  protected requireFinalResponse(what: string): void {
    if (this.response !== ResponsePhase.Final && canSend(this.state)) {
      throw new Error(`h2 stream ${this.id}: ${what} before the final response head (respond() with a status >= 200)`);
    }
  }
}
