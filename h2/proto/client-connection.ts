/**
 * The client role of a connection (RFC 9113): we send the preface and open odd-numbered streams
 * with request(); the server answers on them. What differs from the server role is here, at the
 * protected points of Connection; everything else (frames, windows, the writer and its pool
 * leases, GOAWAY and the connection's end) is the same code.
 *
 *   request(head) ──▶ HEADERS (+ body through the same scheduler and writer) ──▶ server
 *   server ──▶ HEADERS: 1xx → onInformational, final → onResponse ──▶ DATA → onData ──▶ trailers / onEnd
 *
 * Role rules: PUSH_PROMISE and HEADERS on even ids are protocol errors (we send ENABLE_PUSH 0),
 * and our GOAWAYs name stream 0 (the server opens none); responses are validated (§8.3.2) and
 * their content-length checked against DATA, while a trailer field with an invalid name or value
 * is dropped (as nghttp2 does) rather than failing a response that has all arrived; the server's
 * SETTINGS_MAX_CONCURRENT_STREAMS bounds request() (availableStreams, onAvailable); once the
 * stream ids are spent the connection takes no more requests and closes when its streams finish.
 * A stream above a GOAWAY's last-stream-id, or refused with REFUSED_STREAM, ends with cause
 * 'unprocessed': safe to send again elsewhere.
 *
 * Lifecycle: as Connection's (made by clientConnection / connectSocket in ../client.ts; ends in
 * its transportClosed).
 */
import { CLIENT_PREFACE, ErrorCode, FrameType } from '../frame/constants.js';
import { Connection } from './connection.js';
import type { ConnectionOptions, ServerHandler } from './connection-options.js';
import { ClientH2Stream, type ClientHandler, type ClientStream } from './client-stream.js';
import { EndPhase, MAX_STREAM_ID } from './go-away.js';
import type { PeerRole } from './flood-guard.js';
import { requestProblem, responseHead, withoutInvalidFields } from './header-validation.js';
import { ResponsePhase, type H2Stream } from './stream.js';
import { StreamState, Verdict, recvOnLive } from './stream-state.js';
import type { Transport } from './transport.js';

export type { ClientHandler, ClientStream } from './client-stream.js';

/** A request head as the application gives it; pseudo-headers are made from the first four. */
export interface ClientRequestHead {
  method: string;
  /** 'https' or 'http'; ignored for CONNECT without `protocol`. */
  scheme: string;
  /** '' for none. */
  authority: string;
  /** Ignored for CONNECT without `protocol`. */
  path: string;
  /**
   * RFC 8441 extended CONNECT (method CONNECT): the protocol the stream tunnels, e.g.
   * 'websocket'. Only once the server's SETTINGS_ENABLE_CONNECT_PROTOCOL arrived
   * (peerSettings.enableConnectProtocol).
   */
  protocol?: string;
  /** Regular fields, flat [name, value, ...], lowercase names, no connection-specific ones. */
  fields?: readonly string[];
}

export interface RequestOptions {
  /** No request body: END_STREAM goes with the HEADERS (default false: end() ends the body). */
  endStream?: boolean;
}

export interface ClientConnectionOptions extends ConnectionOptions {
  /**
   * A stream slot may have freed (a stream closed, the server's SETTINGS arrived) and request()
   * would succeed now. Called once per event-loop task at most, after the frames that caused it.
   */
  onAvailable?: () => void;
  /** The first stream id to use (odd; default 1). Only tests of id exhaustion need it. */
  firstStreamId?: number;
}

/** The server role's handler, which the client role never calls: the server cannot open streams (no push). */
const NO_SERVER_STREAMS: ServerHandler = {
  onStream() {
    throw new Error('a client connection opens no stream for the server');
  },
};

export class ClientConnection extends Connection {
  /** The id the next request gets; past MAX_STREAM_ID the connection takes no more requests. */
  private nextStreamId: number;
  private readonly onAvailable: (() => void) | undefined;
  private availableQueued = false;

  constructor(transport: Transport, options: ClientConnectionOptions = {}) {
    super(transport, NO_SERVER_STREAMS, options);
    const first = options.firstStreamId ?? 1;
    if (!Number.isInteger(first) || first % 2 !== 1 || first < 1 || first > MAX_STREAM_ID) {
      throw new RangeError(`h2 client: firstStreamId ${first} is not an odd stream id`);
    }
    this.nextStreamId = first;
    this.onAvailable = options.onAvailable;
  }

  /**
   * How many more requests may be opened now: the server's MAX_CONCURRENT_STREAMS less the open
   * streams, bounded by the ids left; 0 once the connection closes or got a GOAWAY. Infinity
   * until the server's SETTINGS say otherwise (its limit is unknown before; a pool assumes one).
   */
  get availableStreams(): number {
    if (this.phase !== EndPhase.Open || this.nextStreamId > MAX_STREAM_ID) return 0;
    const idsLeft = (MAX_STREAM_ID - this.nextStreamId) / 2 + 1;
    return Math.max(0, Math.min(this.peerSettings.maxConcurrentStreams - this.activeStreams, idsLeft));
  }

  get canRequest(): boolean {
    return this.availableStreams > 0;
  }

  /**
   * Sends a request head and returns its stream; the response comes to `handler`. Throws (the
   * caller's mistake) when !canRequest, or a TypeError naming what makes the head malformed.
   */
  request(head: ClientRequestHead, handler: ClientHandler, options: RequestOptions = {}): ClientStream {
    if (!this.canRequest) throw new Error(`h2 connection ${this.id}: no stream available (${this.unavailableReason()})`);
    if (head.protocol !== undefined && !this.peerSettings.enableConnectProtocol) {
      throw new Error(`h2 connection ${this.id}: the server has not enabled extended CONNECT (SETTINGS_ENABLE_CONNECT_PROTOCOL)`);
    }
    const endStream = options.endStream ?? false;
    const list = headerList(head);
    const problem = requestProblem(list, this.peerSettings.enableConnectProtocol);
    if (problem) throw new TypeError(`h2 request: ${problem}`);
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const stream = new ClientH2Stream(id, this, this.peerSettings.initialWindowSize, this.local.initialWindowSize, this.opts.streamHighWaterMark, handler, head.method);
    this.streams.set(id, stream);
    this.streamsOpened++;
    this.headerWriter.write(id, list, endStream, this.peerSettings.maxFrameSize);
    if (endStream) this.sentEnd(stream);
    this.scheduleFlush();
    // §5.1.1: ids are never reused; with none left the connection closes once its streams finish.
    if (this.nextStreamId > MAX_STREAM_ID) this.close();
    return stream;
  }

  private unavailableReason(): string {
    if (this.phase !== EndPhase.Open) return 'the connection is closing';
    if (this.nextStreamId > MAX_STREAM_ID) return 'stream ids are spent';
    return `${this.activeStreams} streams open, the server allows ${this.peerSettings.maxConcurrentStreams}`;
  }

  // ── the role's points in Connection ──────────────────────────────────────────────────────

  /**
   * §6.8: a GOAWAY's last-stream-id names streams its receiver opened. The server opens none
   * here (we send ENABLE_PUSH 0), so every GOAWAY of ours says 0, the graceful close's first one
   * too: an odd id is a stream of ours, and nghttp2 fails the connection on it (PROTOCOL_ERROR)
   * instead of reading why we end it.
   */
  override sendGoaway(_lastStreamId: number, errorCode: number, debug: string): void {
    super.sendGoaway(0, errorCode, debug);
  }

  protected override sendPreface(): void {
    // §3.4: the client's preface is the magic octets, then SETTINGS; the server's has no magic.
    this.transport.write(CLIENT_PREFACE);
    this.prefaceLeft = 0;
    super.sendPreface();
  }

  protected override peerRole(): PeerRole {
    return 'server';
  }

  protected override isPeerStreamId(streamId: number): boolean {
    return streamId % 2 === 0;
  }

  protected override isUnusedLocalId(streamId: number): boolean {
    return streamId >= this.nextStreamId;
  }

  protected override awaitingHead(stream: H2Stream): boolean {
    return stream.response !== ResponsePhase.Final;
  }

  /** A header block on one of our streams: a response head (1xx or final), or after the final one, trailers. */
  protected override headersOnStream(h2stream: H2Stream, list: string[] | undefined, endStream: boolean): void {
    const stream = h2stream as ClientH2Stream;
    if (stream.response === ResponsePhase.Final) return this.trailersReceived(stream, list && withoutInvalidFields(list), endStream);
    const ruling = recvOnLive(stream.state, FrameType.HEADERS);
    if (ruling.verdict !== Verdict.Accept) return this.apply(ruling, { length: 0, type: FrameType.HEADERS, flags: 0, streamId: stream.id });
    if (list === undefined) return this.streamError(stream.id, ErrorCode.ENHANCE_YOUR_CALM, 'response head over SETTINGS_MAX_HEADER_LIST_SIZE');
    const head = responseHead(list);
    if (typeof head === 'string') return this.streamError(stream.id, ErrorCode.PROTOCOL_ERROR, head);
    if (head.status < 200) {
      // §8.1: an informational head never ends the stream; §8.6: 101 is not used in HTTP/2.
      if (endStream) return this.streamError(stream.id, ErrorCode.PROTOCOL_ERROR, `${head.status} response with END_STREAM`);
      if (head.status === 101) return this.streamError(stream.id, ErrorCode.PROTOCOL_ERROR, '101 (Switching Protocols) in HTTP/2');
      stream.response = ResponsePhase.Informational;
      stream.handler.onInformational?.(head.status, head.fields);
      return;
    }
    stream.response = ResponsePhase.Final;
    // RFC 9110 §6.4.1: a response to HEAD, a 204 and a 304 have no content, whatever content-length
    // says; §9.3.6: a 2xx to CONNECT is a tunnel, its DATA unbounded.
    const noContent = stream.method === 'HEAD' || head.status === 204 || head.status === 304;
    const tunnel = stream.method === 'CONNECT' && head.status < 300;
    stream.contentLength = noContent ? 0 : tunnel ? -1 : head.contentLength;
    if (endStream && stream.contentLength > 0) {
      return this.streamError(stream.id, ErrorCode.PROTOCOL_ERROR, `content-length ${stream.contentLength} with END_STREAM on HEADERS`);
    }
    stream.handler.onResponse(head.status, head.fields, endStream);
    if (endStream && stream.state !== StreamState.Closed) this.recvEnd(stream);
  }

  protected override streamSlotsChanged(): void {
    if (!this.onAvailable || this.availableQueued) return;
    this.availableQueued = true;
    // After the frames of this task: a GOAWAY or a failure that closed streams has settled the phase by then.
    queueMicrotask(this.announceAvailable);
  }

  private readonly announceAvailable = (): void => {
    this.availableQueued = false;
    if (this.canRequest) this.guarded(this.onAvailable!);
  };
}

const NO_FIELDS: readonly string[] = [];

/** The request's header block: pseudo-headers first (§8.3), then the fields; made at its size. */
function headerList(head: ClientRequestHead): string[] {
  const fields = head.fields ?? NO_FIELDS;
  const hasProtocol = head.protocol !== undefined;
  const hasTarget = head.method !== 'CONNECT' || hasProtocol;
  const hasAuthority = head.authority !== '';
  const list = new Array<string>(2 + (hasProtocol ? 2 : 0) + (hasTarget ? 4 : 0) + (hasAuthority ? 2 : 0) + fields.length);
  let at = 0;
  list[at++] = ':method';
  list[at++] = head.method;
  if (hasProtocol) {
    list[at++] = ':protocol';
    list[at++] = head.protocol!;
  }
  if (hasTarget) {
    list[at++] = ':scheme';
    list[at++] = head.scheme;
    list[at++] = ':path';
    list[at++] = head.path;
  }
  if (hasAuthority) {
    list[at++] = ':authority';
    list[at++] = head.authority;
  }
  for (let i = 0; i < fields.length; i++) list[at++] = fields[i]!;
  return list;
}
