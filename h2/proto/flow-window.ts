/**
 * Flow-control windows (RFC 9113 §5.2, §6.9), one pair per stream and one for the connection.
 *
 * The send side may go negative: a SETTINGS_INITIAL_WINDOW_SIZE decrease applies to open streams
 * at once (§6.9.2), and sending resumes only when WINDOW_UPDATEs lift it above zero again.
 *
 * The receive side gives credit back only for bytes the application says it consumed, so a
 * proxy's peer is slowed down as far as the other side of the proxy is: end-to-end backpressure.
 */
import { MAX_WINDOW_SIZE } from '../frame/constants.js';

export class SendWindow {
  constructor(public size: number) {}

  /** A WINDOW_UPDATE (or a larger initial size): false when the window would pass 2^31-1 (§6.9.1). */
  grow(increment: number): boolean {
    if (this.size + increment > MAX_WINDOW_SIZE) return false;
    this.size += increment;
    return true;
  }

  consume(n: number): void {
    this.size -= n;
  }
}

export class RecvWindow {
  /** What the peer may still send before it hears from us. */
  private available: number;
  /** Consumed bytes not announced yet. */
  private credit = 0;

  /** `announced` is what the peer believes the window is now; `target` the size we keep it at. */
  constructor(announced: number, private target: number) {
    this.available = announced;
  }

  /** The peer sent `n` flow-controlled bytes: false when they exceed the window (§6.9.1). */
  receive(n: number): boolean {
    if (n > this.available) return false;
    this.available -= n;
    return true;
  }

  /**
   * `n` received bytes are consumed: the increment to announce now in a WINDOW_UPDATE, or 0 while
   * the credit is too small to be worth a frame (under half the target, and the window not low).
   */
  consume(n: number): number {
    this.credit += n;
    if (this.credit < this.target / 2 && this.available >= this.target / 2) return 0;
    return this.takeCredit();
  }

  /** Our SETTINGS_INITIAL_WINDOW_SIZE changed by `delta` once the peer acknowledged it (§6.9.2). */
  resize(delta: number): void {
    this.available += delta;
    this.target += delta;
  }

  /** Announces the increment that brings the window to `target` (a connection's opening WINDOW_UPDATE). */
  fill(): number {
    this.credit = Math.max(0, this.target - this.available);
    return this.takeCredit();
  }

  private takeCredit(): number {
    const increment = this.credit;
    this.credit = 0;
    this.available += increment;
    return increment;
  }
}
