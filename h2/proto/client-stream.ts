/**
 * A stream in the client role: a request we sent, its response as it arrives. The same record as
 * the server role's (stream.ts); its `response` phase follows the heads that arrive: 1xx heads may
 * come first, then the final head, the body and trailers.
 *
 * Lifecycle: created by ClientConnection.request, which sends its head at once; it closes where
 * every stream closes (Connection.closeStream). The handler hears onResponse at most once, then
 * onData / onTrailers / onEnd, or onReset at most once.
 */
import { H2Stream, type ServerStream, type StreamHandler, type StreamHost } from './stream.js';

/** What a client application gives for each request (undici's style: callbacks, no EventEmitter). */
export interface ClientHandler extends StreamHandler {
  /** An informational (1xx) response head; more heads follow. */
  onInformational?(status: number, fields: string[]): void;
  /**
   * The final response head (status >= 200); the body follows through onData. `endStream`: the
   * head is the whole response (END_STREAM on its HEADERS; onEnd follows at once).
   */
  onResponse(status: number, fields: string[], endStream: boolean): void;
}

/**
 * What a client application holds of a request it sent: a server stream's methods without
 * respond() (the head went with request()) — write / end(trailers) / reset / consumed.
 */
export type ClientStream = Omit<ServerStream, 'respond'>;

export class ClientH2Stream extends H2Stream implements ClientStream {
  declare handler: ClientHandler;

  constructor(
    id: number,
    host: StreamHost,
    sendWindow: number,
    recvWindow: number,
    highWaterMark: number,
    handler: ClientHandler,
    /** The request's method: a HEAD's response has no content, a CONNECT's 2xx is a tunnel (RFC 9110 §9.3.2, §9.3.6). */
    readonly method: string,
  ) {
    super(id, host, sendWindow, recvWindow, highWaterMark);
    this.handler = handler;
  }

  override respond(): never {
    throw new Error(`h2 stream ${this.id}: a client stream has no response to send (its head went with request())`);
  }

  /** The request head went out when the stream was made: the body may follow at any time. */
  protected override requireFinalResponse(): void {}
}
