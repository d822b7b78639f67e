/**
 * Pieces: what moves between the stages of a link.
 *
 * A producer's chunk enters the link as one piece; stages may cut it into several (slicer,
 * bandwidth, trace). Lifecycle: the link creates one ChunkTracker per enqueued chunk and is its
 * only owner; the tracker settles exactly once — when the last piece of the chunk was written by
 * the sink, dropped (a toxic discarded it) or failed (the link ended while holding it), with the
 * first piece's error; or at once on link destroy. Not at the first drop: the producer frees the
 * chunk's buffer on done, while another piece of it may still be on its way to the socket.
 * Stages only move pieces.
 */
import type { LinkChunk } from './types.js';

export type EndReason = 'producer' | 'end' | 'timeout';

export interface Piece {
  data: Buffer;
  /** When the piece became available to the stage holding it (performance.now() ms). */
  at: number;
  /** Absent on end markers. */
  tracker?: ChunkTracker;
  /** Set on the zero-byte marker that carries the end of the stream through the chain. */
  end?: EndReason;
}

export class ChunkTracker {
  private pending = 1;
  /** Read by the link, which keeps its trackers in enqueue order and lets settled ones go. */
  settled = false;

  constructor(
    readonly chunk: LinkChunk,
    private readonly onSettle: (tracker: ChunkTracker, err?: Error) => void,
  ) {}

  /** The first error a piece of this chunk met; done reports it once every piece is through. */
  private error: Error | undefined;

  /**
   * A piece of this chunk is through: the sink called back for it, or it will not reach the sink
   * (dropped, or held when the link ended: `err`).
   */
  written(err?: Error | null): void {
    if (this.settled) return;
    if (err) this.error ??= err;
    if (--this.pending === 0) this.settle(this.error);
  }

  /** The link was destroyed: the chunk fails now, whatever its pieces still do. */
  abandon(err: Error): void {
    if (!this.settled) this.settle(this.error ?? err);
  }

  /** A piece of this chunk was cut into `count` pieces. */
  split(count: number): void {
    this.pending += count - 1;
  }

  private settle(err?: Error): void {
    this.settled = true;
    this.onSettle(this, err);
  }
}

/**
 * Cut a piece into consecutive pieces of the given sizes (the last one takes the rest); all keep
 * the piece's arrival time and tracker.
 */
export function cutPiece(piece: Piece, sizes: readonly number[]): Piece[] {
  const out: Piece[] = [];
  let offset = 0;
  for (const size of sizes) {
    if (offset >= piece.data.length) break;
    out.push({ data: piece.data.subarray(offset, offset + size), at: piece.at, tracker: piece.tracker });
    offset += size;
  }
  if (offset < piece.data.length) {
    out.push({ data: piece.data.subarray(offset), at: piece.at, tracker: piece.tracker });
  }
  if (out.length === 0) out.push(piece);
  piece.tracker?.split(out.length);
  return out;
}

/** Cut a piece into pieces of at most `max` bytes. */
export function cutEvery(piece: Piece, max: number): Piece[] {
  if (piece.data.length <= max) return [piece];
  const sizes: number[] = [];
  for (let left = piece.data.length; left > 0; left -= max) sizes.push(Math.min(max, left));
  return cutPiece(piece, sizes);
}
