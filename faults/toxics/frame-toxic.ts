/**
 * What a frame-kind toxic (faults/toxics/{reorder,rst-delay,rst-inject}.ts) implements: one
 * instance per connection, opened by the engine path (proxy/frame-path/engine-path.ts) through
 * frame-toxic-chain.ts, with hooks at the three places where frame faults act:
 *
 *   engine writer ──frames──▶ outbound() ─▶ … ─▶ link ─▶ client   (reorder)
 *   engine ◀─RST_STREAM── inboundResetDelay() ◀── client          (rst_delay)
 *   response HEADERS ──▶ responseStarted(): cancel() both ways     (rst_inject)
 *
 * Tunnel streams (an RFC 8441 extended CONNECT: a WebSocket) carry another protocol's bytes, not
 * an HTTP response: the chain keeps them away from a toxic unless its `tunnels` attribute asks
 * for them (tunnelsAttribute, in each frame toxic's schema).
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ToxicType } from './registry.js';
import type { SeededRandom } from '../random.js';
import type { EmitFrame } from '../../h2/proto/frame-writer.js';
import type { OutboundFrame } from '../../h2/proto/pending-frames.js';

export interface FrameToxicContext {
  /** This connection's and this toxic's own random stream. */
  readonly rng: SeededRandom;
  readonly log: Logger;
  /** A timer the engine path clears when the connection ends or the toxic is replaced. */
  setTimer: (ms: number, fn: () => void) => void;
  /** Reports a fault decision (the EnginePath's 'decision' event), for replay tests and logs. */
  record: (kind: string, value: unknown) => void;
}

/** `tunnels: true`: the toxic acts on tunnel streams (WebSockets over HTTP/2) too; absent or false, it leaves them alone. */
export const tunnelsAttribute = z.boolean().optional();

export interface FrameToxicInstance {
  /** Each outbound frame in the engine's order; emit every frame exactly once, now or later. */
  outbound?(frame: OutboundFrame, emit: EmitFrame): void;
  /** The engine's write batch ended: emit everything held (nothing may wait for more output). */
  flush?(emit: EmitFrame): void;
  /** Milliseconds to hold this client RST_STREAM before the engine sees it; 0 passes it on. */
  inboundResetDelay?(streamId: number): number;
  /** A stream's response began (its HEADERS are on the way); `cancel` resets it on both sides, as a browser seek would. */
  responseStarted?(stream: { id: number; path: string }, cancel: () => void): void;
}

export interface FrameToxicImpl<Attrs> {
  open(attrs: Attrs, ctx: FrameToxicContext): FrameToxicInstance;
}

/** A frame-kind toxic: its attribute schema and its per-connection factory (faults/toxics/builtin.ts lists it; a composition root registers it). */
export function defineFrameToxic<S extends z.ZodType<Record<string, unknown>>>(def: {
  type: string;
  summary: string;
  schema: S;
  open: (attrs: z.output<S>, ctx: FrameToxicContext) => FrameToxicInstance;
}): ToxicType<z.output<S>, FrameToxicImpl<z.output<S>>> {
  return {
    type: def.type,
    kind: 'frame',
    summary: def.summary,
    schema: def.schema as unknown as z.ZodType<z.output<S>>,
    impl: { open: def.open },
  };
}
