/**
 * One connection's frame-kind toxics, in list order: the outbound chain frames pass through, and
 * the inbound and response hooks. Follows live changes of the toxic list.
 *
 * Tunnel streams (`isTunnel`) pass each toxic untouched unless its `tunnels` attribute is true.
 *
 * Lifecycle: owned by one EnginePath; ends in `dispose` (its timers cleared, held frames dropped).
 */
import type { Logger } from 'pino';
import type { ToxicSpec } from '../link/types.js';
import type { SeededRandom } from '../random.js';
import { findToxicType } from './registry.js';
import type { EmitFrame } from '../../h2/proto/frame-writer.js';
import type { OutboundFrame } from '../../h2/proto/pending-frames.js';
import type { FrameToxicImpl, FrameToxicInstance } from './frame-toxic.js';
import { TimerSet } from './timer-set.js';

export interface ToxicDecision {
  toxic: string;
  kind: string;
  value: unknown;
}

interface ActiveToxic {
  /** The spec as JSON: an unchanged toxic is kept across list changes. */
  key: string;
  instance: FrameToxicInstance;
  timers: TimerSet;
  /** The toxic acts on tunnel streams too (its `tunnels` attribute). */
  tunnels: boolean;
}

export class FrameToxicChain {
  private toxics: ActiveToxic[] = [];
  /**
   * The outbound path from toxic i on to the sink, for i in 0..toxics.length (the last is the
   * sink): built when the list changes, not per frame or batch. stages[0] is where a frame enters.
   */
  private stages: EmitFrame[];
  /** See watchesResponses; follows the list. */
  private watching = false;

  constructor(
    private readonly rng: SeededRandom,
    private readonly log: Logger,
    /** The end of the chain: the link. */
    private readonly sink: EmitFrame,
    private readonly record: (decision: ToxicDecision) => void,
    /** Whether a stream is a tunnel (an extended CONNECT); none is by default (node:http2's front has none). */
    private readonly isTunnel: (streamId: number) => boolean = () => false,
  ) {
    this.stages = [sink];
  }

  /** A toxic whose spec did not change keeps its state; frames held by a leaving one go on through the new chain. */
  set(specs: readonly ToxicSpec[]): void {
    const old = new Map(this.toxics.map((t) => [t.key, t]));
    this.toxics = specs
      .filter((spec) => findToxicType(spec.type)?.kind === 'frame')
      .map((spec) => {
        const key = JSON.stringify(spec);
        const kept = old.get(key);
        old.delete(key);
        return kept ?? this.open(spec, key);
      });
    this.stages = this.buildStages();
    this.watching = this.toxics.some((t) => t.instance.responseStarted !== undefined);
    for (const leaving of old.values()) {
      leaving.timers.clear();
      leaving.instance.flush?.(this.stages[0]!);
    }
  }

  send(frame: OutboundFrame): void {
    this.stages[0]!(frame);
  }

  /** The engine's write batch ended: each stage's held frames go through the stages after it. */
  flush(): void {
    this.toxics.forEach((t, i) => t.instance.flush?.(this.stages[i + 1]!));
  }

  inboundResetDelay(streamId: number): number {
    const tunnel = this.isTunnel(streamId);
    return Math.max(0, ...this.toxics.map((t) => (tunnel && !t.tunnels ? 0 : t.instance.inboundResetDelay?.(streamId) ?? 0)));
  }

  /** Some toxic starts a clock at response heads (rst_inject): else a head needs no call, nor its closure. */
  get watchesResponses(): boolean {
    return this.watching;
  }

  responseStarted(stream: { id: number; path: string }, cancel: () => void): void {
    const tunnel = this.isTunnel(stream.id);
    for (const t of this.toxics) if (!tunnel || t.tunnels) t.instance.responseStarted?.(stream, cancel);
  }

  /** The connection ended: timers stop, held frames go to `drop`. */
  dispose(drop: EmitFrame): void {
    for (const t of this.toxics) {
      t.timers.clear();
      t.instance.flush?.(drop);
    }
    this.toxics = [];
    this.watching = false;
    this.stages = [drop];
  }

  private open(spec: ToxicSpec, key: string): ActiveToxic {
    const rng = this.rng.fork(`frame/${spec.name}`);
    const timers = new TimerSet();
    const tunnels = spec.attributes.tunnels === true;
    // Toxiproxy rolls toxicity once per connection; an inactive toxic keeps its place, doing nothing.
    if (spec.toxicity < 1 && rng.fork('toxicity').next() >= spec.toxicity) return { key, instance: {}, timers, tunnels };
    const impl = findToxicType(spec.type)!.impl as FrameToxicImpl<unknown>;
    const instance = impl.open(spec.attributes, {
      rng,
      log: this.log.child({ toxic: spec.name }),
      setTimer: (ms, fn) => timers.add(ms, fn),
      record: (kind, value) => this.record({ toxic: spec.name, kind, value }),
    });
    return { key, instance, timers, tunnels };
  }

  private buildStages(): EmitFrame[] {
    const stages: EmitFrame[] = [];
    stages[this.toxics.length] = this.sink;
    for (let i = this.toxics.length - 1; i >= 0; i--) {
      const { instance, tunnels } = this.toxics[i]!;
      const after = stages[i + 1]!;
      if (!instance.outbound) stages[i] = after;
      else if (tunnels) stages[i] = (frame) => instance.outbound!(frame, after);
      else stages[i] = (frame) => (this.isTunnel(frame.header.streamId) ? after(frame) : instance.outbound!(frame, after));
    }
    return stages;
  }
}
