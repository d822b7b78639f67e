/**
 * One TCP proxy connection: the client socket and the upstream socket, each wrapped in a
 * LinkedSocket that shapes what is written to it (Toxiproxy's two ToxicLinks per connection):
 *
 *   client ─read─▶ upstreamSide.write ─▶ [upstream link] ─▶ upstream socket
 *   client ◀─ [downstream link] ◀─ clientSide.write ◀─read─ upstream socket
 *
 * Lifecycle: the relay owns both sides. When one side closes (peer gone, or a toxic such as
 * limit_data, timeout or reset_peer closed it) the other is ended after what its link still holds
 * has gone out, then destroyed — Toxiproxy likewise closes both connections when a link stops.
 * A connection that opens while the proxy has a reset_peer toxic (any direction, any toxicity)
 * closes both sockets with an RST, whoever ends it: Toxiproxy's link.go sets SO_LINGER 0 on both
 * then, and never unsets it (the cause of Toxiproxy #603).
 * 'close' fires once, when both sides are closed; destroy() is the forced end (proxy stopped).
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { LinkedSocket } from '../faults/link/linked-socket.js';
import type { ToxicSet } from '../faults/link/toxic-set.js';
import type { Direction, LinkDelivery } from '../faults/link/types.js';
import type { SeededRandom } from '../faults/random.js';

export interface RelayOptions {
  client: Socket;
  upstream: Socket;
  /** What the proxy listened on and relayed to when the connection came (metric labels). */
  labels: { listener: string; upstream: string };
  toxics: ToxicSet;
  random: SeededRandom;
  logger: Logger;
}

export interface RelayBytes {
  /** Bytes read from the side the direction starts at. */
  received: number;
  /** Bytes written to the side it ends at. */
  sent: number;
}

export class Relay extends EventEmitter<{ close: [] }> {
  private readonly clientSide: LinkedSocket;
  private readonly upstreamSide: LinkedSocket;
  readonly labels: RelayOptions['labels'];

  constructor(private readonly options: RelayOptions) {
    super();
    this.labels = options.labels;
    const { client, upstream, toxics, random } = options;
    const lingerZero = toxics.list().some((t) => t.type === 'reset_peer');
    this.clientSide = new LinkedSocket({ socket: client, direction: 'downstream', random: random.fork('downstream'), toxics, lingerZero });
    this.upstreamSide = new LinkedSocket({ socket: upstream, direction: 'upstream', random: random.fork('upstream'), toxics, lingerZero });
    this.clientSide.pipe(this.upstreamSide);
    this.upstreamSide.pipe(this.clientSide);
    let open = 2;
    for (const [side, other] of [
      [this.clientSide, this.upstreamSide],
      [this.upstreamSide, this.clientSide],
    ] as const) {
      side.on('error', (err) => options.logger.debug({ err: err.message }, 'relay side failed'));
      side.once('close', () => {
        this.finishOther(other);
        if (--open === 0) this.emit('close');
      });
    }
  }

  /** Let `side` write out what its link still holds, then close it. */
  private finishOther(side: LinkedSocket): void {
    if (side.destroyed) return;
    if (side.writableFinished) {
      side.destroy();
      return;
    }
    side.once('finish', () => side.destroy());
    side.end();
  }

  destroy(): void {
    this.clientSide.destroy();
    this.upstreamSide.destroy();
  }

  queuedBytes(direction: Direction): number {
    return this.side(direction).link.queuedBytes;
  }

  delivery(direction: Direction): LinkDelivery {
    return this.side(direction).link.delivery;
  }

  /** The side whose link carries `direction` (each side shapes what it writes). */
  private side(direction: Direction): LinkedSocket {
    return direction === 'upstream' ? this.upstreamSide : this.clientSide;
  }

  bytes(direction: Direction): RelayBytes {
    const { client, upstream } = this.options;
    return direction === 'upstream'
      ? { received: client.bytesRead, sent: upstream.bytesWritten }
      : { received: upstream.bytesRead, sent: client.bytesWritten };
  }
}
