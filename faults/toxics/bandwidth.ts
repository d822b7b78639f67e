/**
 * bandwidth: a bottleneck of `rate` KB/s (1 KB = 1000 B) — or `bits` bits/s, h2race's finer
 * unit, which wins when set. Each piece leaves when the link has finished serialising everything
 * before it (a virtual clock), so writes queue up behind a slow link: a real backlog, which is
 * what keeps writes pending for the race. Big pieces go out in slices of ~10 ms of transmission.
 * A rate of 0 stalls forever, as in Toxiproxy.
 *
 * `queue` (h2race's own) is the bottleneck's buffer: bytes (a number, or "256kb") or time at the
 * rate ("200ms"). The stage states it (LinkStage.queueBytes) and the link holds its producer there
 * (link.ts); without it the link holds at its own high-water mark, as before.
 */
import { z } from 'zod';
import { cutEvery, type Piece } from '../link/piece.js';
import { ScheduledQueue } from '../link/scheduled-queue.js';
import { parseQueue, queueBytes, UnitError } from '../profiles/units.js';
import { intAttribute, defineLinkToxic } from './link-toxic.js';

/** A `queue` attribute: as given (the API shows it back), checked here. */
export const queueAttribute = z
  .union([z.number(), z.string()])
  .optional()
  .superRefine((value, ctx) => {
    if (value === undefined) return;
    try {
      parseQueue(value);
    } catch (err) {
      if (!(err instanceof UnitError)) throw err;
      ctx.addIssue({ code: 'custom', message: err.message });
    }
  });

const bandwidthAttributes = z.object({ rate: intAttribute(), bits: intAttribute(), queue: queueAttribute });

/**
 * The bottleneck's queue in bytes at the toxic's rate (`bits` bits/s when set, else `rate` KB/s);
 * undefined without a `queue`. The stage runs it; a relay reading the toxic list holds there too.
 */
export function bandwidthQueueBytes(attributes: z.infer<typeof bandwidthAttributes>): number | undefined {
  if (attributes.queue === undefined) return undefined;
  return queueBytes(parseQueue(attributes.queue), attributes.bits > 0 ? attributes.bits : attributes.rate * 8000);
}

export const bandwidthToxic = defineLinkToxic({
  type: 'bandwidth',
  summary: 'limit throughput to rate KB/s (or bits bits/s), queueing what does not fit; queue: the bottleneck buffer (256kb or 200ms)',
  schema: bandwidthAttributes,
  stage(ctx) {
    const bytesPerMs = ctx.attributes.bits > 0 ? ctx.attributes.bits / 8000 : ctx.attributes.rate;
    const slice = Math.max(1500, Math.ceil(bytesPerMs * 10));
    const queue = new ScheduledQueue(ctx.emit);
    const stalled: Piece[] = [];
    return {
      queueBytes: bandwidthQueueBytes(ctx.attributes),
      bytesPerMs: bytesPerMs > 0 ? bytesPerMs : undefined,
      resend(bytes) {
        // Sent now, behind what is queued: its transmission time comes before the next piece's.
        queue.lastRelease = Math.max(ctx.now(), queue.lastRelease) + bytes / bytesPerMs;
      },
      push(piece) {
        if (bytesPerMs === 0) {
          stalled.push(piece);
          return;
        }
        for (const part of cutEvery(piece, slice)) {
          const start = Math.max(part.at, queue.lastRelease);
          queue.schedule(part, start + part.data.length / bytesPerMs);
        }
      },
      drain: () => [...queue.drain(), ...stalled.splice(0)],
    };
  },
});
