/**
 * The `faults:` part of the config file — the same names as `h2race proxy`'s flags (frame faults
 * in their text form or as an object of the toxic's attributes; faults/profiles/frame-fault-settings.ts):
 *
 *   faults:
 *     seed: 7
 *     profile: 4g            # a preset, or a profile file (.yaml) with timed steps
 *     latency: 80ms          # one way, each direction
 *     jitter: 20ms
 *     bandwidth: 4mbit
 *     loss: 0.5%
 *     traceDown: traces/Verizon-LTE-short.down   # Mahimahi traces (README: Traces), relative to the working dir
 *     traceUp: traces/Verizon-LTE-short.up
 *     reorder: 8:0.3         # HTTP/2 frames to the client: window[:probability]
 *     rstDelay: 50ms         # client RST_STREAMs held this long
 *     rstInject: /video@300ms:0.5   # or { path: /video, after: 300ms, probability: 0.5 }
 *     toxics:                # raw toxics, as the Toxiproxy API takes them
 *       - { type: slicer, stream: downstream, attributes: { average_size: 500, delay: 100 } }
 *
 * Parsed values are FaultSettings (faults/profiles/plan.ts): ms, bits/s, percent, ToxicSpecs.
 */
import { z } from 'zod';
import { linkFaultFields } from '../faults/profiles/fault-settings.js';

export const faultsSchema = z
  .object({
    seed: z.number().int().optional(),
    profile: z.string().min(1).optional(),
    ...linkFaultFields,
  })
  .strict();

/** Assignable to FaultSettings: what planFaults takes. */
export type FaultsConfig = z.infer<typeof faultsSchema>;
