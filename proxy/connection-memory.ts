/**
 * The bytes the proxy holds for one client connection on the engine front, and the cap on them
 * (`proxy.downstream.connectionMemoryMiB`), as nghttpx and Envoy bound per-connection buffers.
 *
 * What a stream holds: its response bytes queued for a client whose window is closed (the
 * engine's queue and the stream's own), and its request body bytes not yet taken by the upstream.
 * A stream the client does not read (a *stalled* one: its window is closed) is paused upstream:
 * the upstream window is not replenished, so it can pin at most that window, and it is counted
 * at that bound, not at what arrived so far. The proxy never buffers beyond the upstream window;
 * the cap decides how many streams may pin one: a new stream is refused (REFUSED_STREAM, RFC 9113
 * §8.7: nothing of it was processed) while the connection is over its cap, and a stream born
 * stalled (the client's initial window is 0) is refused if its bound would not fit.
 *
 * Lifecycle: one per engine connection, made by the front when the connection is accepted; a
 * stream is held from its admission until its 'close' (the front removes it there).
 *
 * The streams are a SlotList (each knows its index; removal swaps the last one in), not a Set: a
 * Set that streams come and go through rehashes every few dozen streams, and V8 leaves each
 * replaced table holding the streams it had and a link to its successor. Once one such table has
 * been promoted, the chain of replaced tables holds every stream that was open at a rehash — and
 * all each one references — through the next scavenges, so they are promoted too (a
 * self-sustaining chain, collected only by mark-compacts).
 */

import { SlotList } from './slot-list.js';

/** A proxied stream as the account sees it. */
export interface HeldStream {
  /** Bytes of this stream buffered in the proxy now. */
  readonly heldBytes: number;
  /** The client's window for it is closed: its response waits at the client. */
  readonly stalled: boolean;
  /** Its index among the account's streams while held, else -1 (written by ConnectionMemory only). */
  memorySlot: number;
}

export class ConnectionMemory {
  private readonly streams = new SlotList<HeldStream>((s) => s.memorySlot, (s, slot) => (s.memorySlot = slot));

  /**
   * @param capBytes what one connection may make the proxy hold
   * @param stalledStreamBytes what one stalled stream can pin: the upstream stream window plus
   *   the engine's and the stream's queues
   */
  constructor(readonly capBytes: number, readonly stalledStreamBytes: number) {}

  /** Bytes held for the connection, a stalled stream counted at its bound. */
  get heldBytes(): number {
    let held = 0;
    for (const stream of this.streams.all) held += stream.stalled ? Math.max(stream.heldBytes, this.stalledStreamBytes) : stream.heldBytes;
    return held;
  }

  /** Whether a new stream fits: the connection is within its cap, and a stream born stalled fits whole. */
  admits(bornStalled: boolean): boolean {
    const held = this.heldBytes;
    return bornStalled ? held + this.stalledStreamBytes <= this.capBytes : held <= this.capBytes;
  }

  add(stream: HeldStream): void {
    this.streams.add(stream);
  }

  delete(stream: HeldStream): void {
    this.streams.delete(stream);
  }
}
