/**
 * What a link toxic implements. A link is a chain of stages, one per toxic of its direction, in
 * the toxic list's order (Toxiproxy's stubs):
 *
 *   enqueue ─▶ [stage: latency] ─emit▶ [stage: bandwidth] ─emit▶ … ─▶ sink ─▶ socket
 *                   ▲ ctx (attributes, seeded random, now, emit, drop, close, record)
 *
 * A toxic's attributes are shared config; a stage is the per-connection, per-direction state
 * created from them (Toxiproxy: settings vs stub). A stage passes pieces on in the order it got
 * them and sets `piece.at` to the time it let them go, so a later stage counts its delay from
 * there and chained delays do not drift.
 */
import type { SeededRandom } from '../random.js';
import { findToxicType } from '../toxics/registry.js';
import type { EndReason, Piece } from './piece.js';
import type { Direction, ToxicSpec } from './types.js';

/** One fault decision, for replay checks and logs: same seed, same list. */
export interface FaultDecision {
  toxic: string;
  type: string;
  direction: Direction;
  kind: string;
  value: number | string | boolean;
}

export interface StageContext<A> {
  readonly spec: ToxicSpec;
  readonly attributes: A;
  readonly direction: Direction;
  /** This stage's own stream of random numbers. */
  readonly random: SeededRandom;
  /** Per connection and toxic, kept when the toxic is updated (Toxiproxy's stub state, e.g.
   * limit_data's byte count); dropped when the toxic is removed. */
  readonly state: Record<string, unknown>;
  now(): number;
  /** Hand a piece to the next stage (or the sink). */
  emit: (piece: Piece) => void;
  /** Discard a piece: its chunk's done gets an error. */
  drop(piece: Piece, reason: string): void;
  /** `bytes` entered (+) or left (−) a propagation stage: see startLinkStage. */
  wire(bytes: number): void;
  /** Bytes reached this stage's reassembly queue (LinkStage.reassemblyBytes grew): a producer
   * holding on its window hears it from the link ('received'). */
  received: () => void;
  /** A lost segment's retransmission of `bytes` crosses the link's bottleneck again (the first
   * stage with a rate that takes it): the data behind it there leaves that much later. */
  resend: (bytes: number) => void;
  /**
   * Close the connection: 'reset' aborts it now (RST); 'end' and 'timeout' send an end marker
   * down the chain, so data already past this stage still goes out before the FIN.
   */
  close(reason: Exclude<EndReason, 'producer'> | 'reset'): void;
  record(kind: string, value: number | string | boolean): void;
}

export interface LinkStage {
  push(piece: Piece): void;
  /** The bottleneck's queue this stage runs (bandwidth's `queue`), bytes: the link holds its
   * producer when its backlog reaches it. Read live: a schedule changes it. */
  readonly queueBytes?: number;
  /** The bottleneck's rate this stage runs (bandwidth), bytes per ms. Read live. */
  readonly bytesPerMs?: number;
  /** The one-way delay this stage adds (latency's mean), ms. Read live. */
  readonly delayMs?: number;
  /** Bytes that reached the receiver and wait there behind a lost segment (loss): TCP's
   * out-of-order queue, SACKed, so out of the sender's window. Read live. */
  readonly reassemblyBytes?: number;
  /** A retransmission of `bytes` joins this bottleneck's queue (StageContext.resend). */
  readonly resend?: (bytes: number) => void;
  /** The stage leaves the chain (replaced, removed, link destroyed): stop timers and give back
   * the pieces still held, in byte order, with the `at` they arrived with. */
  drain(): Piece[];
  /** The toxic was removed while the connection is open (Toxiproxy's Cleanup). */
  removed?(): void;
}

export interface LinkToxicImpl<A> {
  stage(ctx: StageContext<A>): LinkStage;
  /**
   * Removing the toxic closes every open connection in its direction, whether or not its
   * toxicity roll made it act there: Toxiproxy calls a CleanupToxic's Cleanup (timeout's closes
   * the stub) on the toxic, not on what the stub ran.
   */
  closesWhenRemoved?: boolean;
  /**
   * The stage only delays (latency): what it holds has left the bottleneck and is on the wire, so
   * it is not part of the link's backlog. Toxiproxy's latency stub likewise buffers 1024 chunks "to
   * prevent added latency from limiting the proxy bandwidth".
   */
  propagation?: boolean;
}

/** What a chain of stages states, seen as one stage. */
export type ChainShape = Required<Pick<LinkStage, 'delayMs'>> & Pick<LinkStage, 'queueBytes' | 'bytesPerMs'>;

/**
 * A chain of stages (the link's, or a sub-chain's: one toxic standing for several) seen as one
 * stage. Its bottleneck is its first stage that states one: the first queue and the first rate
 * (one bottleneck per chain); its delay is its stages' added up. Read live, as the stages' are.
 */
export function chainShape<T>(chain: readonly T[], stageOf: (node: T) => LinkStage): ChainShape {
  let queueBytes: number | undefined;
  let bytesPerMs: number | undefined;
  let delayMs = 0;
  for (const node of chain) {
    const stage = stageOf(node);
    queueBytes ??= stage.queueBytes;
    bytesPerMs ??= stage.bytesPerMs;
    delayMs += stage.delayMs ?? 0;
  }
  return { queueBytes, bytesPerMs, delayMs };
}

/** A stage that lets everything through: noop, and any toxic whose toxicity roll failed. */
export function passThrough(ctx: StageContext<unknown>): LinkStage {
  return { push: (piece) => ctx.emit(piece), drain: () => [] };
}

/**
 * The stage a link or sub-chain runs for `spec`: the toxic's own when its toxicity roll says so,
 * else a pass-through. A propagation stage's pieces are told to ctx.wire as they enter and leave
 * (emitted, dropped, or given back by drain), so the link can keep them out of its backlog.
 */
export function startLinkStage(spec: ToxicSpec, ctx: StageContext<unknown>, active: boolean): LinkStage {
  if (!active) return passThrough(ctx);
  const impl = linkToxicImpl(spec);
  if (!impl.propagation) return impl.stage(ctx);
  const leave = (piece: Piece): Piece => {
    ctx.wire(-piece.data.length);
    return piece;
  };
  const stage = impl.stage({
    ...ctx,
    emit: (piece) => ctx.emit(leave(piece)),
    drop: (piece, reason) => ctx.drop(leave(piece), reason),
  });
  return {
    push(piece) {
      ctx.wire(piece.data.length);
      stage.push(piece);
    },
    get delayMs() {
      return stage.delayMs;
    },
    get reassemblyBytes() {
      return stage.reassemblyBytes;
    },
    drain: () => stage.drain().map(leave),
    removed: stage.removed && (() => stage.removed!()),
  };
}

/** The implementation of a link-kind toxic (the spec was validated, so its type is registered). */
export function linkToxicImpl(spec: ToxicSpec): LinkToxicImpl<unknown> {
  return findToxicType(spec.type)!.impl as LinkToxicImpl<unknown>;
}

/** Toxiproxy's roll: does the toxic act on this connection and direction, each time its stage starts. */
export function rollToxicity(spec: ToxicSpec, random: SeededRandom): boolean {
  return spec.toxicity >= 1 || (spec.toxicity > 0 && random.next() < spec.toxicity);
}
