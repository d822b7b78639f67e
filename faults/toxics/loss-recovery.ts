/**
 * The receiver's side of TCP loss recovery: a FIFO of the pieces that reached the receiver, in
 * which a lost segment's piece waits for its retransmission and everything behind it waits too
 * (TCP delivers in order: head-of-line blocking), while the path keeps carrying what follows.
 *
 * When the retransmission arrives (RFC 5681 §3.2, RFC 6675 §4-5, RFC 6298):
 *   - fast retransmit: the sender deems the segment lost once the receiver has SACKed more than
 *     (DupThresh − 1) × SMSS bytes above it (RFC 6675 IsLost, DupThresh = 3: the third duplicate
 *     ACK of RFC 5681 §3.2) and retransmits at once; the ACK's trip back and the retransmission's
 *     trip out make it arrive one round trip (`rttMs`) after the byte that completed the count;
 *   - retransmission timeout: with too little data behind it (a tail loss) no such count comes;
 *     the sender's timer fires `rtoMs` after it sent the segment (RFC 6298), so the retransmission
 *     arrives `rtoMs` after the segment itself would have.
 * Whichever comes first delivers the segment.
 *
 * The retransmission crosses the bottleneck again when it is sent (StageContext.resend): the
 * link's capacity carries the lost bytes twice. Not modelled: the wait of the retransmission
 * itself in the bottleneck's queue, a lost retransmission, and the sender's window halving (the
 * sender keeps its window: see README, Known limits).
 *
 * Lifecycle: owned by the loss stage that created it; drain() is the one place its timer ends.
 */
import type { Piece } from '../link/piece.js';
import { RELEASE_EARLY_MS } from '../link/scheduled-queue.js';
import type { StageContext } from '../link/stage.js';

/** Ethernet MTU minus IP and TCP headers: the segment size (SMSS) loss is counted in. */
export const TCP_MSS = 1460;

/** RFC 6675 §4 IsLost: more than (DupThresh − 1) × SMSS bytes SACKed above a segment, DupThresh = 3. */
const FAST_RETRANSMIT_SACKED_BYTES = 2 * TCP_MSS;

/** One lost segment, from its (would-be) arrival until its retransmission is delivered. */
interface Loss {
  /** The lost segment's bytes: what its retransmission carries. */
  bytes: number;
  /** When the RTO's retransmission arrives: the segment's own arrival + rto. */
  rtoAt: number;
  /** Bytes above the segment that reached the receiver (SACKed). */
  sacked: number;
  /** When the fast retransmission arrives, once the SACKed bytes passed the threshold. */
  fastAt?: number;
}

interface Held {
  piece: Piece;
  /** Set when the piece starts with a lost segment. */
  loss?: Loss;
  /** Its bytes that arrived (are not part of a lost segment). */
  sacked: number;
}

export interface RecoveryTimes {
  rttMs: number;
  rtoMs: number;
}

export class LossRecovery {
  private held: Held[] = [];
  private head = 0;
  /** Losses whose fast retransmission has not been triggered yet, oldest first. */
  private waiting: Loss[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastRelease = -Infinity;
  /** Bytes held that arrived (SACKed): out of the sender's window, RFC 6675 §2 "pipe" leaves them out. */
  private sackedHeld = 0;
  /** The last loss that arrived (continueLoss). */
  private newest: Loss | undefined;

  constructor(
    private readonly times: RecoveryTimes,
    /** Where released pieces go, whom to tell that arrived bytes were queued behind a loss
     * (reassemblyBytes grew), where a retransmission is charged. */
    private readonly link: Pick<StageContext<unknown>, 'emit' | 'received' | 'resend'>,
  ) {}

  get reassemblyBytes(): number {
    return this.sackedHeld;
  }

  /**
   * A piece reached the receiver at `piece.at`: `lostBytes`, when not 0, are the lost segment it
   * starts with; `sacked` are its bytes that arrived (not part of a lost segment).
   */
  arrive(piece: Piece, lostBytes: number, sacked: number): void {
    if (lostBytes === 0 && this.head === this.held.length) {
      // Nothing is missing ahead of it: the receiver hands it on as it arrives.
      this.link.emit(piece);
      return;
    }
    const loss = lostBytes > 0 ? { bytes: lostBytes, rtoAt: piece.at + this.times.rtoMs, sacked: 0 } : undefined;
    if (loss) {
      this.waiting.push(loss);
      this.newest = loss;
    }
    this.held.push({ piece, loss, sacked });
    this.sackedHeld += sacked;
    this.count(sacked, piece.at);
    this.pump();
    if (sacked > 0) this.link.received();
  }

  drain(): Piece[] {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const pieces = this.held.slice(this.head).map((h) => h.piece);
    this.held = [];
    this.head = 0;
    this.waiting = [];
    this.newest = undefined;
    this.sackedHeld = 0;
    return pieces;
  }

  /** The newest lost segment goes on for `bytes` at the start of the next piece (segments are
   * cut from the stream, pieces are not): its retransmission carries them too. */
  continueLoss(bytes: number): void {
    if (this.newest) this.newest.bytes += bytes;
  }

  /** SACKed bytes count toward every loss below them that is still waiting for its count. */
  private count(sacked: number, at: number): void {
    if (sacked === 0 || this.waiting.length === 0) return;
    for (const loss of this.waiting) {
      loss.sacked += sacked;
      if (loss.sacked > FAST_RETRANSMIT_SACKED_BYTES && loss.rtoAt > at) {
        loss.fastAt = at + this.times.rttMs;
        this.link.resend(loss.bytes);
      }
    }
    this.waiting = this.waiting.filter((loss) => loss.fastAt === undefined);
  }

  private readyAt(held: Held): number {
    const { loss } = held;
    if (!loss) return held.piece.at;
    return Math.min(loss.fastAt ?? Infinity, loss.rtoAt);
  }

  private readonly pump = (): void => {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const now = performance.now();
    while (this.head < this.held.length) {
      const next = this.held[this.head]!;
      const ready = this.readyAt(next);
      if (ready > now + RELEASE_EARLY_MS) break;
      this.head++;
      this.sackedHeld -= next.sacked;
      if (next.loss && next.loss.fastAt === undefined) {
        // The RTO fired: the retransmission is sent now.
        this.waiting = this.waiting.filter((loss) => loss !== next.loss);
        this.link.resend(next.loss.bytes);
      }
      this.lastRelease = Math.max(this.lastRelease, ready);
      next.piece.at = this.lastRelease;
      // emit may end the link, which drains this queue: the loop condition sees it.
      this.link.emit(next.piece);
    }
    if (this.head >= this.held.length) {
      this.held = [];
      this.head = 0;
      return;
    }
    if (this.head > 1024 && this.head * 2 > this.held.length) {
      this.held = this.held.slice(this.head);
      this.head = 0;
    }
    this.timer = setTimeout(this.pump, Math.max(1, Math.round(this.readyAt(this.held[this.head]!) - now)));
  };
}
