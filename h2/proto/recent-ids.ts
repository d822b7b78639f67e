/**
 * How the most recent closed streams closed, to answer a late frame on one as §5.1 says (ignore
 * it, reset the stream, or fail the connection). Bounded: the oldest are forgotten, and a frame on
 * a forgotten stream gets the answer for a stream never opened (stream-state.ts, recvOnClosed).
 *
 * Lifecycle: one per connection; nothing to end.
 */
import type { ClosedHow } from './stream-state.js';

export const CLOSED_STREAMS_KEPT = 1024;

export class RecentlyClosed {
  private readonly how = new Map<number, ClosedHow>();

  add(streamId: number, how: ClosedHow): void {
    this.how.set(streamId, how);
    if (this.how.size > CLOSED_STREAMS_KEPT) this.how.delete(this.how.keys().next().value!);
  }

  get(streamId: number): ClosedHow | undefined {
    return this.how.get(streamId);
  }
}
