/**
 * loss, as TCP sees it (h2race's own): the byte stream is cut into 1460-byte segments, each lost
 * with probability `percent`; a lost segment is retransmitted after `rto` ms and everything
 * behind it waits too (head-of-line blocking). Nothing is ever missing from the stream, it is late.
 */
import { z } from 'zod';
import { ScheduledQueue } from '../link/scheduled-queue.js';
import { defineLinkToxic } from './link-toxic.js';

/** Ethernet MTU minus IP and TCP headers. */
export const TCP_MSS = 1460;

export const lossToxic = defineLinkToxic({
  type: 'loss',
  summary: 'lose percent % of 1460-byte segments; each loss stalls the stream for rto ms',
  schema: z.object({
    percent: z.number().min(0).max(100).default(0),
    rto: z.number().int().min(0).default(200),
  }),
  stage(ctx) {
    const { percent, rto } = ctx.attributes;
    const queue = new ScheduledQueue(ctx.emit);
    let offset = 0;
    return {
      push(piece) {
        const len = piece.data.length;
        // Segments whose first byte lies in this piece.
        const segments = len === 0 ? 0 : Math.floor((offset + len - 1) / TCP_MSS) - Math.floor((offset - 1) / TCP_MSS);
        let stall = 0;
        for (let i = 0; i < segments; i++) {
          if (ctx.random.next() * 100 < percent) {
            stall += rto;
            ctx.record('loss', Math.ceil(offset / TCP_MSS) + i);
          }
        }
        offset += len;
        queue.schedule(piece, Math.max(piece.at, queue.lastRelease) + stall);
      },
      drain: () => queue.drain(),
    };
  },
});
