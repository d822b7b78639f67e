/**
 * loss, as TCP sees it (h2race's own): the byte stream is cut into 1460-byte segments, each lost
 * with probability `percent`. Nothing is ever missing from the stream, it is late: a lost segment
 * is retransmitted one round trip (`rtt`) after enough data behind it reached the receiver (fast
 * retransmit), or `rto` ms after it would have arrived when too little follows it (a tail loss);
 * everything behind it waits for it (head-of-line blocking) while the path keeps delivering the
 * data behind it to the receiver (loss-recovery.ts has the rules and the RFCs).
 *
 * The stage belongs where the receiver is, at the end of its direction's chain (after the
 * bottleneck and the latency: presets and --loss put it there; a toxic list runs in its order), so
 * a loss sees the arrivals that would have acknowledged it. Its
 * held bytes have left the bottleneck: they are in flight, not backlog (a propagation stage), and
 * those that arrived are at the receiver, out of the sender's window (LinkStage.reassemblyBytes).
 */
import { z } from 'zod';
import { cutPiece, type Piece } from '../link/piece.js';
import { LossRecovery, TCP_MSS } from './loss-recovery.js';
import { defineLinkToxic } from './link-toxic.js';

export const lossToxic = defineLinkToxic({
  type: 'loss',
  summary: 'lose percent % of 1460-byte segments; a loss with data behind it costs rtt ms (fast retransmit), a tail loss rto ms',
  schema: z.object({
    percent: z.number().min(0).max(100).default(0),
    rto: z.number().int().min(0).default(200),
    /** The path's round trip, ms: what a fast retransmission costs. */
    rtt: z.number().int().min(0).default(0),
  }),
  propagation: true,
  stage(ctx) {
    const { percent, rto, rtt } = ctx.attributes;
    const recovery = new LossRecovery({ rttMs: rtt, rtoMs: rto }, ctx);
    /** Stream offset of the next byte. */
    let offset = 0;
    /** Where the last lost segment ends: its bytes in the next piece are lost too. */
    let lostUntil = 0;
    return {
      get reassemblyBytes() {
        return recovery.reassemblyBytes;
      },
      push(piece) {
        const len = piece.data.length;
        const start = offset;
        offset += len;
        const continued = Math.min(len, Math.max(0, lostUntil - start));
        if (continued > 0) recovery.continueLoss(continued);
        // Each segment whose first byte lies in this piece rolls once, in stream order.
        const losses: number[] = [];
        for (let s = Math.ceil(start / TCP_MSS) * TCP_MSS; s < offset; s += TCP_MSS) {
          if (ctx.random.next() * 100 < percent) {
            ctx.record('loss', s / TCP_MSS);
            losses.push(s - start);
            lostUntil = s + TCP_MSS;
          }
        }
        if (losses.length === 0) {
          recovery.arrive(piece, 0, len - continued);
          return;
        }
        // A part per lost segment, from its first byte to the next lost one's.
        const bounds = [0, ...losses, len].filter((b, i, all) => i === 0 || b > all[i - 1]!);
        const sizes = bounds.slice(1).map((b, i) => b - bounds[i]!);
        const parts = cutPiece(piece, sizes);
        parts.forEach((part: Piece, i) => {
          const partStart = bounds[i]!;
          const lostBytes = losses.includes(partStart) ? Math.min(TCP_MSS, part.data.length) : 0;
          recovery.arrive(part, lostBytes, part.data.length - (i === 0 ? continued : 0) - lostBytes);
        });
      },
      drain: () => recovery.drain(),
    };
  },
});
