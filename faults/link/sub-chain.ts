/**
 * A chain of stages inside one stage: what the `profile` and `schedule` toxics run, so one toxic
 * can stand for several (a preset's bandwidth + latency + loss) and swap them over time.
 *
 *   push ─▶ [sub 1] ─▶ [sub 2] ─▶ … ─▶ ctx.emit
 *
 * set() replaces every sub-stage at once: the held pieces, oldest (furthest down) first, go into
 * the new first sub-stage with the time they reached the one that held them.
 *
 * Lifecycle: the stage that runs the sub-chain owns it (or is it); drain() is the one place its
 * sub-stages (and their timers) end, and `leave` (the owner's own timers, a schedule's walk) with them.
 */
import type { Piece } from './piece.js';
import { chainShape, rollToxicity, startLinkStage, type LinkStage, type StageContext } from './stage.js';
import { linkToxicsOf } from './toxic-set.js';
import type { ToxicSpec } from './types.js';

export class SubChain implements LinkStage {
  private stages: LinkStage[] = [];
  private generation = 0;

  constructor(
    private readonly ctx: StageContext<unknown>,
    /** Runs when the sub-chain leaves the link (drain), not when set() swaps its sub-stages. */
    private readonly leave?: () => void,
  ) {}

  /** Only link-kind toxics of this direction run; the rest are ignored. */
  set(specs: readonly ToxicSpec[]): void {
    const held = this.takeHeld();
    const generation = ++this.generation;
    const runnable = linkToxicsOf(specs, this.ctx.direction);
    const stages: LinkStage[] = [];
    runnable.forEach((spec, i) => {
      const random = this.ctx.random.fork(`${generation}/${spec.name}`);
      const sub: StageContext<unknown> = {
        ...this.ctx,
        spec,
        attributes: spec.attributes,
        random: random.fork('effect'),
        state: {},
        emit: (piece) => (i + 1 < stages.length ? stages[i + 1]!.push(piece) : this.ctx.emit(piece)),
        record: (kind, value) => this.ctx.record(`${spec.name}.${kind}`, value),
      };
      stages.push(startLinkStage(spec, sub, rollToxicity(spec, random)));
    });
    this.stages = stages;
    for (const piece of held) this.push(piece);
  }

  // What the sub-stages state, as one stage (chainShape: the bottleneck rule).
  get queueBytes(): number | undefined {
    return chainShape(this.stages, stageItself).queueBytes;
  }

  get bytesPerMs(): number | undefined {
    return chainShape(this.stages, stageItself).bytesPerMs;
  }

  get delayMs(): number {
    return chainShape(this.stages, stageItself).delayMs;
  }

  /** The sub-stages' reassembly queues, added up. */
  get reassemblyBytes(): number {
    return this.stages.reduce((sum, stage) => sum + (stage.reassemblyBytes ?? 0), 0);
  }

  /** To the sub-stage whose rate the chain states, as for the queue. */
  resend(bytes: number): void {
    this.stages.find((stage) => stage.bytesPerMs !== undefined)?.resend?.(bytes);
  }

  push(piece: Piece): void {
    const first = this.stages[0];
    if (first) first.push(piece);
    else this.ctx.emit(piece);
  }

  drain(): Piece[] {
    this.leave?.();
    return this.takeHeld();
  }

  /** Ends the sub-stages and gives back what they held, oldest (furthest down) first. */
  private takeHeld(): Piece[] {
    const held: Piece[] = [];
    for (let i = this.stages.length - 1; i >= 0; i--) held.push(...this.stages[i]!.drain());
    this.stages = [];
    return held;
  }
}

function stageItself(stage: LinkStage): LinkStage {
  return stage;
}
