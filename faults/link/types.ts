/**
 * The contract of a link: one direction of one connection, shaped by a chain of toxics.
 *
 *   producer ──enqueue(chunk)──▶ [toxic 1] ─▶ [toxic 2] ─▶ … ─▶ sink(data, cb) ──▶ socket
 *
 * A chunk is handed to the sink at its departure time, in enqueue order (a link is a
 * byte stream, like TCP: nothing inside one link is reordered). `chunk.done` fires exactly once:
 * after the sink's write callback, or when the link is destroyed with the chunk still queued.
 * Until `done` fires the link holds `chunk.data`, so its owner must not reuse that memory —
 * unless the owner is a deliberately unsafe buffer pool, which is the point of h2race.
 */
import type { EventEmitter } from 'node:events';

export type Direction = 'upstream' | 'downstream';

export interface LinkChunk {
  data: Buffer;
  /** Fires once: written (err undefined) or dropped (err set). */
  done?: (err?: Error) => void;
}

/** Writes bytes to the real transport; calls back exactly once, when the write completed (or failed). */
export type LinkSink = (data: Buffer, cb: (err?: Error | null) => void) => void;

/** What a toxic may do to the connection as a whole (Toxiproxy's timeout, reset_peer, ...). */
export interface LinkControl {
  /** Close the connection cleanly (FIN) once queued data is out. */
  end(): void;
  /** Abort the connection with a TCP RST (SO_LINGER 0). */
  reset(): void;
}

/** Toxiproxy's toxic as the API and config describe it; see faults/toxics/registry.ts. */
export interface ToxicSpec {
  name: string;
  type: string;
  stream: Direction;
  toxicity: number;
  attributes: Record<string, unknown>;
  /** What its type read when the toxic was added (a schedule's steps, a trace's opportunities;
   * registry.ts loadToxic); absent for types that read nothing. Not part of the API's JSON. */
  loaded?: unknown;
}

export interface LinkEvents {
  /** The backlog fell below the link's high-water mark after reaching it. */
  drain: [];
  /** The backlog fell below the bottleneck's queue (queueLimit) after reaching it. */
  room: [];
  /** Bytes reached the receiver's reassembly queue (see reassemblyBytes): a sender's window has room. */
  received: [];
  /** A toxic ended or reset the connection. */
  close: [reason: 'end' | 'reset' | 'timeout'];
}

/**
 * What a link delivered: bytes handed to its sink, and for how long it held bytes before the sink
 * (backlog or wire). Their ratio is the rate it delivered while it had something to deliver; a
 * run of bursts also counts each burst's one-way delay, so it reads low for short bursts.
 */
export interface LinkDelivery {
  bytes: number;
  busyMs: number;
}

export interface Link extends EventEmitter<LinkEvents> {
  enqueue(chunk: LinkChunk): void;
  /** Bytes the link still holds: its backlog, what propagation stages hold, what the sink has not
   * written yet. */
  readonly queuedBytes: number;
  /** Bytes waiting before the wire (not in a propagation stage nor at the sink): what backpressure
   * counts. */
  readonly backlogBytes: number;
  /** The largest backlog the link has held: its bottleneck queue's deepest, plus what a producer
   * wrote past the hold (a frame at most, for the engine). */
  readonly peakBacklogBytes: number;
  /** The bottleneck's queue in bytes, when a toxic states one (bandwidth's `queue`): a producer
   * holds its writes while the backlog is at it, and 'room' says when it is below. */
  readonly queueLimit: number | undefined;
  /** The bottleneck's rate (its first stage with one), bytes per ms. Undefined without a rate. */
  readonly bytesPerMs: number | undefined;
  /** The bandwidth-delay product in bytes (the bottleneck's rate × the one-way delay of the
   * propagation stages): what the path holds in flight at full rate. Undefined without a rate. */
  readonly bdpBytes: number | undefined;
  /** Bytes that reached the receiver but wait there behind a lost segment (the loss toxic): part of
   * queuedBytes, but out of a sender's window (SACKed: RFC 6675's pipe leaves them out). */
  readonly reassemblyBytes: number;
  readonly delivery: LinkDelivery;
  readonly queuedChunks: number;
  /** Producer finished: toxics such as slow_close may hold the end. */
  end(): void;
  /** Drop everything queued (each chunk's done gets the error) and stop. */
  destroy(err?: Error): void;
}
