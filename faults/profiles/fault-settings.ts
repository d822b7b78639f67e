/**
 * Link faults as a user states them — a preset plus single faults (latency, jitter, bandwidth,
 * loss, traces), the frame faults of frame-fault-settings.ts, plus raw toxics — and their
 * expansion into the ToxicSpecs a ToxicSet holds. The CLI flags, the config file and each step of
 * a profile file all go through here.
 *
 * Expansion, per direction, in chain order: trace or bandwidth (the bottleneck and its queue —
 * `queue`, else the preset's; a trace replaces the rate and has no queue) → latency (propagation)
 * → loss (at the receiver, which sees what arrives behind a lost segment: fast retransmit, see
 * toxics/loss.ts); then the frame toxics. Single faults override the preset's value; a raw
 * toxic replaces a generated one of the same name.
 */
import { z } from 'zod';
import { toxicEntrySchema } from '../toxics/toxic-entry-schema.js';
import type { Direction, ToxicSpec } from '../link/types.js';
import { bandwidthQueueBytes } from '../toxics/bandwidth.js';
import { normalizeToxic } from '../toxics/registry.js';
import { JITTER_DISTRIBUTIONS, type JitterDistribution } from '../toxics/jitter.js';
import { frameFaultFields, frameFaultsToToxics, type FrameFaults } from './frame-fault-settings.js';
import { findPreset, presetNames } from './presets.js';
import { traceFileSchema } from './trace-loader.js';
import { formatQueue, parseDuration, parsePercent, parseQueue, parseRate, UnitError, unitSchema, type QueueSize } from './units.js';

/** The single faults, shared by the config file and profile steps. */
export const linkFaultFields = {
  /** One-way delay added in each direction, ms. */
  latency: unitSchema(parseDuration).optional(),
  jitter: unitSchema(parseDuration).optional(),
  distribution: z.enum(JITTER_DISTRIBUTIONS).optional(),
  /** Per direction, bits/s. */
  bandwidth: unitSchema(parseRate).optional(),
  /** The bottleneck's queue each direction: bytes (256kb) or time at its rate (200ms). */
  queue: unitSchema(parseQueue).optional(),
  /** Percent of TCP segments lost (each holds the stream for a round trip, a tail loss for an RTO). */
  loss: unitSchema(parsePercent).optional(),
  rto: unitSchema(parseDuration).optional(),
  traceDown: traceFileSchema.optional(),
  traceUp: traceFileSchema.optional(),
  ...frameFaultFields,
  toxics: z.array(toxicEntrySchema).optional(),
};

export interface LinkFaults extends FrameFaults {
  preset?: string;
  latency?: number;
  jitter?: number;
  distribution?: JitterDistribution;
  bandwidth?: number;
  queue?: QueueSize;
  loss?: number;
  rto?: number;
  traceDown?: string;
  traceUp?: string;
  toxics?: ToxicSpec[];
}

/** `override`'s set values win; raw toxics of the same name are replaced. */
export function mergeFaults(base: LinkFaults, override: LinkFaults): LinkFaults {
  const merged: LinkFaults = { ...base };
  for (const [key, value] of Object.entries(override) as Array<[keyof LinkFaults, unknown]>) {
    if (value !== undefined && key !== 'toxics') (merged as Record<string, unknown>)[key] = value;
  }
  if (override.toxics) merged.toxics = withToxics(base.toxics ?? [], override.toxics);
  return merged;
}

export function faultsToToxics(faults: LinkFaults): ToxicSpec[] {
  const preset = faults.preset === undefined ? undefined : findPreset(faults.preset);
  if (faults.preset !== undefined && !preset) {
    throw new UnitError(`unknown preset "${faults.preset}" (known: ${presetNames().join(', ')})`);
  }
  const generated: ToxicSpec[] = [];
  for (const stream of ['downstream', 'upstream'] as const satisfies readonly Direction[]) {
    const latency = faults.latency ?? Math.round((preset?.rttMs ?? 0) / 2);
    const jitter = faults.jitter ?? preset?.jitterMs ?? 0;
    const distribution = faults.distribution ?? preset?.jitterDistribution ?? 'uniform';
    const bits = faults.bandwidth ?? (stream === 'downstream' ? preset?.downBitsPerSecond : preset?.upBitsPerSecond);
    const loss = faults.loss ?? preset?.lossPercent ?? 0;
    const rto = faults.rto ?? preset?.rtoMs ?? 200;
    const trace = stream === 'downstream' ? faults.traceDown : faults.traceUp;
    const queue = faults.queue ?? preset?.queue?.size;
    if (trace) generated.push(normalizeToxic({ type: 'trace', stream, attributes: { file: trace } }));
    else if (bits) generated.push(normalizeToxic({ type: 'bandwidth', stream, attributes: { bits, ...(queue && { queue: queueAttribute(queue) }) } }));
    if (latency > 0 || jitter > 0) {
      generated.push(normalizeToxic({ type: 'latency', stream, attributes: { latency, jitter, distribution } }));
    }
    // The path's round trip: this direction's delay and the other's (the same latency each way).
    if (loss > 0) generated.push(normalizeToxic({ type: 'loss', stream, attributes: { percent: loss, rto, rtt: 2 * latency } }));
  }
  if (faults.queue !== undefined && !generated.some((t) => t.type === 'bandwidth')) {
    throw new UnitError('queue needs a bottleneck: a bandwidth, or a preset with a rate (a trace has no queue)');
  }
  generated.push(...frameFaultsToToxics(faults));
  return withToxics(generated, faults.toxics ?? []);
}

/** As the API shows a bandwidth toxic's queue: bytes as a number, a time as "200ms". */
function queueAttribute(queue: QueueSize): number | string {
  return 'bytes' in queue ? queue.bytes : formatQueue(queue);
}

/**
 * The bottleneck queue, bytes, of one direction of a toxic list (its bandwidth toxic's `queue` at
 * its rate): what a relay built on these toxics holds its reader at. Undefined: no queue.
 */
export function queueBytesOf(toxics: readonly ToxicSpec[], direction: Direction): number | undefined {
  const bandwidth = toxics.find((t) => t.stream === direction && t.type === 'bandwidth' && t.attributes.queue !== undefined);
  return bandwidth && bandwidthQueueBytes(bandwidth.attributes as Parameters<typeof bandwidthQueueBytes>[0]);
}

function withToxics(base: readonly ToxicSpec[], extra: readonly ToxicSpec[]): ToxicSpec[] {
  const names = new Set(extra.map((t) => t.name));
  return [...base.filter((t) => !names.has(t.name)), ...extra];
}
