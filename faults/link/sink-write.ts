/**
 * One piece's write at the link's sink, from the sink call to its callback: which chunk it is part
 * of and how many bytes it counts at the sink. A record, not a closure per piece: its callback is
 * made once, with the record, and the record is reused for later writes.
 *
 * Lifecycle: the link's (link.ts). Taken from the link's free list (or made) when a piece goes to
 * the sink; the sink calls `done` exactly once (LinkSink), which hands the record back to the link
 * (`onWritten`), cleared: from then on it is free for the next write. A write whose callback never
 * comes keeps its record, as it kept its closure before: it is never reused.
 */
import type { ChunkTracker } from './piece.js';

export class SinkWrite {
  tracker: ChunkTracker | undefined = undefined;
  length = 0;
  /** The sink's callback for this write. */
  readonly done = (err?: Error | null): void => this.onWritten(this, err);

  constructor(private readonly onWritten: (write: SinkWrite, err: Error | null | undefined) => void) {}
}
