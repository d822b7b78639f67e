/**
 * How one HTTP/2 connection of the proxy ends, told by its GOAWAYs (RFC 9113 §6.8) and reported
 * from here only, as hyper's proto/go_away.rs keeps it in one place: every GOAWAY either side
 * sends ('goaway'), and once, if h2race ended the connection on purpose, why ('connection-end').
 *
 * The first GOAWAY decides who ended it. h2race's own (an error, or a graceful close) means h2race
 * did, reported with the GOAWAY that names the last stream; the peer's first means h2race's later
 * GOAWAY is an answer, and no end is reported. A graceful close begins with an announcement (from
 * a server 2^31-1, from a client 0, like its final one), so it is told apart by coming through
 * close(), not by its last-stream-id; it is not a 'goaway' of its own.
 *
 * Lifecycle: one per engine connection, made by its owner (the front for client connections, the
 * upstream pool for origin sessions) with the connection and fed by its observer; it ends with the
 * connection (closed()).
 */
import type { Logger } from 'pino';
import { EndPhase, MAX_STREAM_ID } from '../h2/proto/go-away.js';
import { endReason } from './end-reason.js';
import type { ConnectionEndReason, ProxyEvents, Side } from './events.js';

export const EndingPhase = {
  Open: 0,
  /** h2race is closing it gracefully: the announcement GOAWAY is next. */
  Closing: 1,
  /** The announcement is out: h2race's next GOAWAY is the final one. */
  Announced: 2,
  /** h2race ended it, and it is reported. */
  Ours: 3,
  /** The peer's GOAWAY came first. */
  Peers: 4,
} as const;
export type EndingPhase = (typeof EndingPhase)[keyof typeof EndingPhase];

export interface Goaway {
  lastStreamId: number;
  errorCode: number;
}

/** What a graceful close needs of the engine's connection (server or client role). */
export interface Closable {
  readonly phase: EndPhase;
  close(): void;
}

export class ConnectionEnding {
  phase: EndingPhase = EndingPhase.Open;
  /** Why h2race closes it gracefully (close()); otherwise its GOAWAY's code says why. */
  private reason: ConnectionEndReason | undefined;

  constructor(
    private readonly side: Side,
    private readonly id: number,
    private readonly events: ProxyEvents,
    private readonly logger: Logger,
  ) {}

  /** h2race ends the connection gracefully for `reason` (a no-op once either side sent a GOAWAY). */
  close(connection: Closable, reason: ConnectionEndReason): void {
    if (this.phase !== EndingPhase.Open || connection.phase !== EndPhase.Open) return;
    this.phase = EndingPhase.Closing;
    this.reason = reason;
    connection.close();
  }

  /** The engine sent a GOAWAY (its observer's onGoawaySent). */
  sent(goaway: Goaway): void {
    // A server's announcement names every stream, also when the engine closes on its own (stream ids used up).
    if (this.phase === EndingPhase.Closing || (this.phase === EndingPhase.Open && goaway.lastStreamId === MAX_STREAM_ID)) {
      this.phase = EndingPhase.Announced;
      return;
    }
    this.events.emit('goaway', { side: this.side, id: this.id, code: goaway.errorCode, lastStreamId: goaway.lastStreamId, received: false });
    if (this.phase === EndingPhase.Open || this.phase === EndingPhase.Announced) this.ours(goaway);
  }

  /** The peer's GOAWAY (the observer's onGoawayReceived). */
  received(goaway: Goaway): void {
    this.events.emit('goaway', { side: this.side, id: this.id, code: goaway.errorCode, lastStreamId: goaway.lastStreamId, received: true });
    if (this.phase === EndingPhase.Open) this.phase = EndingPhase.Peers;
  }

  /**
   * The connection is gone. A graceful close cut before its final GOAWAY (the peer closed, or the
   * transport failed) was still h2race's end: reported with the streams it had processed.
   */
  closed(lastProcessedStreamId: number): void {
    if (this.phase === EndingPhase.Closing || this.phase === EndingPhase.Announced) this.ours({ errorCode: 0, lastStreamId: lastProcessedStreamId });
  }

  private ours(goaway: Goaway): void {
    this.phase = EndingPhase.Ours;
    const record = { side: this.side, id: this.id, reason: this.reason ?? endReason(goaway.errorCode), code: goaway.errorCode, lastStreamId: goaway.lastStreamId };
    this.events.emit('connection-end', record);
    this.logger.info(record, 'connection end');
  }
}
