/**
 * bandwidth: a bottleneck of `rate` KB/s (1 KB = 1000 B) — or `bits` bits/s, h2race's finer
 * unit, which wins when set. Each piece leaves when the link has finished serialising everything
 * before it (a virtual clock), so writes queue up behind a slow link: a real backlog, which is
 * what keeps writes pending for the race. Big pieces go out in slices of ~10 ms of transmission.
 * A rate of 0 stalls forever, as in Toxiproxy.
 */
import { z } from 'zod';
import { cutEvery, type Piece } from '../link/piece.js';
import { ScheduledQueue } from '../link/scheduled-queue.js';
import { intAttribute, registerLinkToxic } from './link-toxic.js';

export const bandwidthToxic = registerLinkToxic({
  type: 'bandwidth',
  summary: 'limit throughput to rate KB/s (or bits bits/s), queueing what does not fit',
  schema: z.object({ rate: intAttribute(), bits: intAttribute() }),
  stage(ctx) {
    const bytesPerMs = ctx.attributes.bits > 0 ? ctx.attributes.bits / 8000 : ctx.attributes.rate;
    const slice = Math.max(1500, Math.ceil(bytesPerMs * 10));
    const queue = new ScheduledQueue(ctx.emit);
    const stalled: Piece[] = [];
    return {
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
