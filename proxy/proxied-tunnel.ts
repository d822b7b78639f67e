/**
 * One WebSocket tunnel through the HTTP/1.1 front: the client's Upgrade request, the answer, and
 * after a 101 the bytes both ways until the connection closes. In the stream log it is one stream
 * (status 101, bytes each way after the upgrade, its own outcome).
 *
 * Lifecycle — owner: the tunnel forwarder (proxy/forward-ws.ts), which makes it in the front's
 * 'upgrade' handler. The downstream connection belongs to the tunnel from then on and the tunnel
 * ends with it: on its 'close', in end(), exactly once (outcome decided, 'stream-end' emitted, one
 * log line written). The upstream socket is http2-proxy's, which destroys it when the downstream
 * side closes; an upstream that breaks is answered here (an error response before the 101, the
 * downstream cut after it).
 */
import * as http from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { ConnectionInfo } from './connection-wrapper.js';
import type { ProxyEvents, StreamEndRecord, StreamOutcome, StreamStartRecord } from './events.js';
import { downstreamResponseHeaders } from './headers.js';
import { pump, type Pump } from './pump.js';
import type { UpstreamError } from './upstream/errors.js';

/** What the front hands the tunnel forwarder: Node's 'upgrade' event, its socket wrapped by the front. */
export interface DownstreamUpgrade {
  req: IncomingMessage;
  socket: Duplex;
  head: Buffer;
}

export type TunnelPhase =
  /** The Upgrade is on its way to the origin; nothing answered yet. */
  | 'upgrading'
  /** A response without upgrade (the origin's, e.g. 403, or h2race's refusal) is the whole exchange. */
  | 'answered'
  /** The origin switched protocols: bytes flow both ways. */
  | 'open'
  /** The upstream failed: an error response before the 101, the connection cut after it. */
  | 'failed';

export class ProxiedTunnel {
  readonly start: StreamStartRecord;
  readonly startedAt = performance.now();
  readonly req: IncomingMessage;
  readonly socket: Duplex;
  readonly head: Buffer;
  phase: TunnelPhase = 'upgrading';
  status?: number;
  upstreamId?: number;
  attempts = 0;
  /** Tunnel bytes client → origin (after the Upgrade request). */
  bytesIn = 0;
  /** Tunnel bytes origin → client (after the 101), or the body of an answer without upgrade. */
  private bytesOut = 0;
  private answerBody?: Pump;
  private failure?: UpstreamError;
  private clientError?: Error;
  /** The origin ended the tunnel cleanly (FIN): its end travels down the pipe, nothing to cut. */
  private upstreamEnded = false;
  private closed = false;

  constructor(
    upgrade: DownstreamUpgrade,
    readonly connection: ConnectionInfo,
    streamId: number,
    private readonly events: ProxyEvents,
    private readonly logger: Logger,
  ) {
    this.req = upgrade.req;
    this.socket = upgrade.socket;
    this.head = upgrade.head;
    // After 'upgrade' Node no longer listens for the socket's errors: without this one, a client's
    // reset would end the process.
    this.socket.on('error', (err) => (this.clientError ??= err));
    this.socket.once('close', () => this.end());
    this.start = {
      connectionId: connection.id,
      streamId,
      protocol: 'http/1.1',
      method: this.req.method ?? 'GET',
      path: this.req.url ?? '/',
    };
    events.emit('stream-start', this.start);
  }

  /** Answers the request itself (nothing goes upstream). */
  refuse(status: number, reason: string): void {
    this.answer(status, `h2race: ${reason}\n`, {});
  }

  /** The origin answered without upgrading: its response goes down, then the connection ends. */
  relayAnswer(res: IncomingMessage): void {
    if (this.closed) return;
    this.phase = 'answered';
    this.status = res.statusCode ?? 502;
    const headers = downstreamResponseHeaders(res.headers, '1.1');
    // The origin's framing is gone (http2-proxy dropped transfer-encoding and decodes the body):
    // the end of the connection ends the body.
    headers.connection = 'close';
    this.socket.write(responseHead(this.status, res.statusMessage, headers));
    this.answerBody = pump(res, this.socket, () => this.socket.end());
  }

  /** The origin switched protocols; http2-proxy relays its 101 and pipes both ways after this. */
  opened(upstreamSocket: Duplex): void {
    this.phase = 'open';
    this.status = 101;
    // Counted beside http2-proxy's pipes, which it attaches in this same tick, before any data flows.
    this.socket.on('data', (chunk: Buffer) => (this.bytesIn += chunk.length));
    upstreamSocket.on('data', (chunk: Buffer) => (this.bytesOut += chunk.length));
    upstreamSocket.once('end', () => (this.upstreamEnded = true));
  }

  /** The forward failed upstream (see the lifecycle); nothing to do once the client's side ended. */
  upstreamFailed(err: UpstreamError): void {
    if (this.closed || this.clientError || this.socket.destroyed || this.failure) return;
    if (this.phase === 'open' && this.upstreamEnded) return;
    if (this.phase === 'answered' && this.socket.writableEnded) return;
    this.failure = err;
    if (this.phase === 'upgrading') this.answer(err.status, `h2race: ${err.message}\n`, { 'x-h2race-error': err.failure });
    else this.socket.destroy();
    this.phase = 'failed';
  }

  private answer(status: number, body: string, headers: OutgoingHttpHeaders): void {
    if (this.closed) return;
    this.phase = 'answered';
    this.status = status;
    this.socket.end(responseHead(status, undefined, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      connection: 'close',
      ...headers,
    }) + body);
  }

  private end(): void {
    if (this.closed) return;
    this.closed = true;
    let outcome: StreamOutcome;
    if (this.phase === 'failed') outcome = 'upstream-error';
    else if (this.clientError) outcome = 'cancelled-by-client';
    else if (this.phase === 'open' || (this.phase === 'answered' && this.socket.writableFinished)) outcome = 'completed';
    else outcome = 'cancelled-by-client';
    const record: StreamEndRecord = {
      ...this.start,
      status: this.status,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut + (this.answerBody?.bytes ?? 0),
      durationMs: Math.round((performance.now() - this.startedAt) * 1000) / 1000,
      outcome,
      upstreamId: this.upstreamId,
      attempts: this.attempts,
      error: this.failure?.message ?? (outcome === 'cancelled-by-client' ? this.clientError?.message : undefined),
    };
    this.events.emit('stream-end', record);
    this.logger.info(record, 'stream end');
  }
}

/** An HTTP/1.1 response head written straight onto the connection (it is no longer Node's). */
function responseHead(status: number, reason: string | undefined, headers: OutgoingHttpHeaders): string {
  let head = `HTTP/1.1 ${status} ${reason ?? http.STATUS_CODES[status] ?? ''}\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) head += `${name}: ${v}\r\n`;
  }
  return `${head}\r\n`;
}
