/**
 * createLink: one direction of one connection, running the link-kind toxics of that direction.
 *
 *   enqueue(chunk) ─▶ stage 1 ─▶ stage 2 ─▶ … ─▶ sink(data, cb)         (empty chain: straight
 *        │ ChunkTracker: done fires once, when the chunk's last piece     to the sink, no timers)
 *        └ was written, dropped or failed, or on destroy
 *
 * The link owns every ChunkTracker it creates (see piece.ts) and ends in one place: `finish`
 * (end marker reached the sink, or destroy) stops all stages and fails what they still hold.
 *
 * Bytes are counted by piece, where they are: the backlog (waiting before the wire: in transit
 * between stages or held by a bottleneck), the wire (held by a propagation stage, latency) and the
 * sink (written, callback to come). Backpressure ('drain') is on the backlog alone: on a real path
 * what is in flight does not stop a sender, and a chunk's bytes stop counting as they leave, not
 * when its last piece does (else the bottleneck idles for a one-way delay per chunk). A stage may
 * state its bottleneck's queue (bandwidth's `queue`): a producer that holds there (the engine's
 * writer) hears 'room' when the backlog falls below it; 'drain' stays at the high-water mark.
 */
import { EventEmitter } from 'node:events';
import type { SeededRandom } from '../random.js';
import { InFlight } from '../../h2/proto/in-flight.js';
import { ChunkTracker, type EndReason, type Piece } from './piece.js';
import { SinkWrite } from './sink-write.js';
import { chainShape, linkToxicImpl, rollToxicity, startLinkStage, type FaultDecision, type LinkStage, type StageContext } from './stage.js';
import { followToxics, linkToxicsOf, type ToxicEdit, type ToxicSet } from './toxic-set.js';
import type { Direction, Link, LinkChunk, LinkControl, LinkDelivery, LinkEvents, LinkSink, ToxicSpec } from './types.js';

export interface CreateLinkOptions {
  direction: Direction;
  sink: LinkSink;
  /** Called with end() when the end of stream (the producer's, or a toxic's) reaches the sink. */
  control: LinkControl;
  /** This connection's stream (e.g. proxyRandom.fork(`conn-${id}`)); forked per toxic. */
  random: SeededRandom;
  /** A live set (the link follows its changes until it ends) or a fixed list. */
  toxics?: ToxicSet | readonly ToxicSpec[];
  /** 'drain' fires when the backlog falls below this after reaching it. Default 64 KiB. */
  highWaterMark?: number;
  /** Every fault decision (toxicity rolls, delays, losses, ...), for replay tests and logs. */
  onDecision?: (decision: FaultDecision) => void;
}

/** Sink write records a link keeps for reuse: enough for a burst of frames at the socket. */
const FREE_SINK_WRITES = 256;

interface ChainNode {
  spec: ToxicSpec;
  key: string;
  stage: LinkStage;
  ctx: StageContext<unknown>;
  next: ChainNode | null;
  live: boolean;
}

export function createLink(options: CreateLinkOptions): Link {
  return new ChainLink(options);
}

class ChainLink extends EventEmitter<LinkEvents> implements Link {
  private chain: ChainNode[] = [];
  /** The chunks not done, in enqueue order. */
  private readonly inFlight = new InFlight<ChunkTracker>((tracker) => tracker.settled);
  private unsettled = 0;
  /** Bytes waiting before the wire: enqueued, not yet in a propagation stage, at the sink or dropped. */
  private backlog = 0;
  /** Bytes held by propagation stages. */
  private wire = 0;
  /** Bytes handed to the sink whose write has not called back. */
  private atSink = 0;
  /** See Link.delivery; `heldSince` is set while the backlog or the wire holds bytes. */
  private readonly delivered = { bytes: 0, busyMs: 0 };
  private heldSince: number | undefined;
  private peakBacklog = 0;
  private state: 'open' | 'ending' | 'closing' | 'finished' = 'open';
  private needDrain = false;
  private needRoom = false;
  /** A 'received' is on its way (one per tick however many pieces arrived). */
  private receivedPending = false;
  private readonly starts = new Map<string, number>();
  private readonly states = new Map<string, Record<string, unknown>>();
  /** Records of sink writes that called back, for the next ones (sink-write.ts). */
  private readonly freeSinkWrites: SinkWrite[] = [];
  private readonly highWaterMark: number;
  private readonly unsubscribe: () => void;

  constructor(private readonly options: CreateLinkOptions) {
    super();
    this.highWaterMark = options.highWaterMark ?? 64 * 1024;
    this.unsubscribe = followToxics(options.toxics ?? [], (toxics, edit) => this.rebuild(toxics, edit));
  }

  get queuedBytes(): number {
    return this.backlog + this.wire + this.atSink;
  }

  get backlogBytes(): number {
    return this.backlog;
  }

  get peakBacklogBytes(): number {
    return this.peakBacklog;
  }

  get queueLimit(): number | undefined {
    // Asked per DATA frame the engine cuts (its writer's room): with no toxic there is no shape to build.
    return this.chain.length === 0 ? undefined : chainShape(this.chain, stageOfNode).queueBytes;
  }

  get bytesPerMs(): number | undefined {
    return chainShape(this.chain, stageOfNode).bytesPerMs;
  }

  get bdpBytes(): number | undefined {
    const { bytesPerMs, delayMs } = chainShape(this.chain, stageOfNode);
    return bytesPerMs === undefined ? undefined : Math.round(bytesPerMs * delayMs);
  }

  get reassemblyBytes(): number {
    return this.chain.reduce((sum, node) => sum + (node.stage.reassemblyBytes ?? 0), 0);
  }

  get delivery(): LinkDelivery {
    const ongoing = this.heldSince === undefined ? 0 : performance.now() - this.heldSince;
    return { bytes: this.delivered.bytes, busyMs: this.delivered.busyMs + ongoing };
  }

  get queuedChunks(): number {
    return this.unsettled;
  }

  enqueue(chunk: LinkChunk): void {
    if (this.state !== 'open') {
      chunk.done?.(new Error(`link ${this.options.direction} is ${this.state}: write dropped`));
      return;
    }
    const tracker = new ChunkTracker(chunk, this.settle);
    this.inFlight.add(tracker);
    this.unsettled++;
    const first = this.chain[0];
    const length = chunk.data.length;
    if (!first) {
      // No toxics: straight to the sink. The link never holds the chunk, so the clock of
      // `delivery` does not move (no time read per chunk); what it already held counts as before.
      const queued = this.backlog + length;
      if (queued > this.peakBacklog) this.peakBacklog = queued;
      if (queued >= this.highWaterMark) this.needDrain = true;
      this.toSocket(chunk.data, tracker);
      this.maybeDrain();
      return;
    }
    this.backlog += length;
    if (this.backlog > this.peakBacklog) this.peakBacklog = this.backlog;
    this.clockHeld();
    if (this.backlog >= this.highWaterMark) this.needDrain = true;
    if (this.backlog >= (this.queueLimit ?? Infinity)) this.needRoom = true;
    first.stage.push({ data: chunk.data, at: performance.now(), tracker });
  }

  /**
   * Toxiproxy's link.go re-runs a stub, and so rolls its toxicity again, when that stub's toxic
   * is updated (even to the same values) and when the toxic after it is added or removed (its
   * output is rewired) — not when a removal closed the connection (timeout's Cleanup). Those
   * stages restart here even though their toxic did not change.
   */
  private restartedBy(edit: ToxicEdit | undefined, specs: readonly ToxicSpec[]): Set<string> {
    const names = new Set<string>();
    if (edit?.op === 'update') names.add(edit.name);
    if (edit?.op === 'add') {
      const at = specs.findIndex((s) => s.name === edit.name);
      if (at > 0) names.add(specs[at - 1]!.name);
    }
    if (edit?.op === 'remove') {
      const at = this.chain.findIndex((n) => n.spec.name === edit.name);
      if (at > 0 && !closesWhenRemoved(this.chain[at]!.spec)) names.add(this.chain[at - 1]!.spec.name);
    }
    return names;
  }

  private rebuild(toxics: readonly ToxicSpec[], edit?: ToxicEdit): void {
    if (this.state === 'finished') return;
    const specs = linkToxicsOf(toxics, this.options.direction);
    const old = this.chain;
    const restarted = this.restartedBy(edit, specs);
    // Keep a stage whose toxic did not change (its state and toxicity roll survive), as long as
    // the kept stages stay in their order; every other stage (re)starts.
    const kept = new Set<ChainNode>();
    let cursor = 0;
    const next: ChainNode[] = specs.map((spec) => {
      const key = JSON.stringify(spec);
      if (restarted.has(spec.name)) return this.startStage(spec, key);
      for (let i = cursor; i < old.length; i++) {
        if (old[i]!.key === key) {
          cursor = i + 1;
          kept.add(old[i]!);
          return old[i]!;
        }
      }
      return this.startStage(spec, key);
    });
    next.forEach((node, i) => (node.next = next[i + 1] ?? null));
    this.chain = next;
    // A leaving stage's held pieces go to the stage now following its nearest kept predecessor;
    // walking backwards feeds the older pieces (held further down the chain) first.
    const leaving: Array<{ node: ChainNode; target: ChainNode | null }> = [];
    let predecessor: ChainNode | null = null;
    for (const node of old) {
      if (kept.has(node)) {
        predecessor = node;
        continue;
      }
      leaving.push({ node, target: predecessor ? predecessor.next : (next[0] ?? null) });
    }
    for (const { node, target } of leaving) node.next = target;
    for (let i = leaving.length - 1; i >= 0; i--) {
      const { node, target } = leaving[i]!;
      if (!specs.some((s) => s.name === node.spec.name)) {
        this.states.delete(node.spec.name);
        node.stage.removed?.();
        if (closesWhenRemoved(node.spec)) node.ctx.close('timeout');
      }
      const held = node.stage.drain();
      node.live = false;
      for (const piece of held) this.deliver(piece, target);
    }
  }

  end(): void {
    if (this.state !== 'open') return;
    this.state = 'ending';
    this.deliver({ data: Buffer.alloc(0), at: performance.now(), end: 'producer' }, this.chain[0] ?? null);
  }

  destroy(err?: Error): void {
    this.finish(err ?? new Error(`link ${this.options.direction} destroyed`), true);
  }

  private startStage(spec: ToxicSpec, key: string): ChainNode {
    const start = (this.starts.get(spec.name) ?? 0) + 1;
    this.starts.set(spec.name, start);
    const random = this.options.random.fork(`${spec.name}#${start}`);
    const node = { spec, key, next: null, live: true } as ChainNode;
    const state = this.states.get(spec.name) ?? {};
    this.states.set(spec.name, state);
    const ctx = this.contextFor(node, random.fork('effect'), state);
    node.ctx = ctx;
    const active = rollToxicity(spec, random);
    if (spec.toxicity < 1) ctx.record('toxicity', active);
    node.stage = startLinkStage(spec, ctx, active);
    return node;
  }

  private contextFor(node: ChainNode, random: SeededRandom, state: Record<string, unknown>): StageContext<unknown> {
    const { direction, onDecision } = this.options;
    const { spec } = node;
    return {
      spec,
      attributes: spec.attributes,
      direction,
      random,
      state,
      now: () => performance.now(),
      emit: (piece) => {
        if (node.live) this.deliver(piece, node.next);
        else this.drop(piece, `${spec.type} stage already left the chain`);
      },
      drop: (piece, reason) => this.drop(piece, `${spec.name}: ${reason}`),
      wire: (bytes) => {
        if (this.state === 'finished') return;
        this.wire += bytes;
        this.backlog -= bytes;
        this.clockHeld();
        this.maybeDrain();
      },
      received: () => {
        if (this.receivedPending || this.state === 'finished') return;
        this.receivedPending = true;
        process.nextTick(() => {
          this.receivedPending = false;
          this.emit('received');
        });
      },
      resend: (bytes) => {
        this.chain.find((n) => n.stage.bytesPerMs !== undefined && n.stage.resend)?.stage.resend?.(bytes);
      },
      close: (reason) => {
        if (!node.live || this.state === 'finished') return;
        if (reason === 'reset') {
          this.emit('close', 'reset');
          this.finish(new Error(`connection reset by ${spec.name}`), false);
          this.options.control.reset();
          return;
        }
        if (this.state === 'closing') return;
        this.state = 'closing';
        this.deliver({ data: Buffer.alloc(0), at: performance.now(), end: reason }, node.next);
      },
      record: onDecision
        ? (kind, value) => onDecision({ toxic: spec.name, type: spec.type, direction, kind, value })
        : () => {},
    };
  }

  private deliver(piece: Piece, target: ChainNode | null): void {
    if (this.state === 'finished') this.drop(piece, 'link finished');
    else if (target) target.stage.push(piece);
    else this.toSink(piece);
  }

  private toSink(piece: Piece): void {
    if (piece.end) {
      this.atEnd(piece.end);
      return;
    }
    this.sinkData(piece.data, piece.tracker!);
  }

  private sinkData(data: Buffer, tracker: ChunkTracker): void {
    this.backlog -= data.length;
    this.clockHeld();
    this.toSocket(data, tracker);
    this.maybeDrain();
  }

  /** Hands bytes that left the backlog to the sink. */
  private toSocket(data: Buffer, tracker: ChunkTracker): void {
    const length = data.length;
    this.atSink += length;
    this.delivered.bytes += length;
    const write = this.freeSinkWrites.pop() ?? new SinkWrite(this.sinkWritten);
    write.tracker = tracker;
    write.length = length;
    this.options.sink(data, write.done);
  }

  /** The sink wrote (or failed) a piece: the one place a SinkWrite ends, cleared and kept for the next write. */
  private readonly sinkWritten = (write: SinkWrite, err: Error | null | undefined): void => {
    const tracker = write.tracker!;
    this.atSink -= write.length;
    write.tracker = undefined;
    if (this.freeSinkWrites.length < FREE_SINK_WRITES) this.freeSinkWrites.push(write);
    tracker.written(err);
  };

  private atEnd(reason: EndReason): void {
    this.finish(new Error(`link ${this.options.direction} closed (${reason}) before this write`), false);
    if (reason !== 'producer') this.emit('close', reason);
    this.options.control.end();
  }

  /** The one place a link ends. Pieces already at the sink complete by its callback, unless
   * `failInFlight` (destroy): then every chunk not yet done fails now. */
  private finish(err: Error, failInFlight: boolean): void {
    if (this.state === 'finished') {
      if (failInFlight) this.failInFlight(err);
      return;
    }
    this.state = 'finished';
    this.unsubscribe();
    const chain = this.chain;
    this.chain = [];
    const held: Piece[] = [];
    for (const node of chain) {
      node.live = false;
      held.push(...node.stage.drain());
    }
    for (const piece of held) piece.tracker?.written(err);
    // Nothing waits in the link any more; what the sink has calls back still.
    this.backlog = 0;
    this.wire = 0;
    this.clockHeld();
    if (failInFlight) this.failInFlight(err);
  }

  private drop(piece: Piece, reason: string): void {
    if (this.state !== 'finished') this.backlog -= piece.data.length;
    this.clockHeld();
    piece.tracker?.written(new Error(`write dropped by ${reason}`));
    this.maybeDrain();
  }

  /** Starts or stops the clock of Link.delivery as the link starts or stops holding bytes. */
  private clockHeld(): void {
    const held = this.backlog + this.wire > 0;
    if (held && this.heldSince === undefined) this.heldSince = performance.now();
    else if (!held && this.heldSince !== undefined) {
      this.delivered.busyMs += performance.now() - this.heldSince;
      this.heldSince = undefined;
    }
  }

  /**
   * 'drain' and 'room' go out on the next tick, never from inside a stage: a producer answering
   * one would enqueue while a stage is still handing a piece on, and a piece released at once
   * could then overtake it.
   */
  private maybeDrain(): void {
    if (this.needRoom && this.backlog < (this.queueLimit ?? Infinity)) {
      this.needRoom = false;
      process.nextTick(() => this.emit('room'));
    }
    if (!this.needDrain || this.backlog >= this.highWaterMark) return;
    this.needDrain = false;
    process.nextTick(() => this.emit('drain'));
  }

  private failInFlight(err: Error): void {
    for (const tracker of this.inFlight.unfinished()) tracker.abandon(err);
  }

  private readonly settle = (tracker: ChunkTracker, err?: Error): void => {
    this.unsettled--;
    this.inFlight.forget();
    tracker.chunk.done?.(err);
  };
}

function closesWhenRemoved(spec: ToxicSpec): boolean {
  return linkToxicImpl(spec).closesWhenRemoved === true;
}

function stageOfNode(node: ChainNode): LinkStage {
  return node.stage;
}
