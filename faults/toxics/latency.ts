/**
 * latency: each piece waits `latency` ± jitter ms counted from when it reached this stage;
 * first in, first out (a late piece holds back the ones behind it, as in TCP).
 * h2race extras: netem's jitter distributions and correlation.
 */
import { z } from 'zod';
import { ScheduledQueue } from '../link/scheduled-queue.js';
import { JITTER_DISTRIBUTIONS, JitterSource } from './jitter.js';
import { intAttribute, defineLinkToxic } from './link-toxic.js';

/** Pieces the mean delay of a jittered stage is taken over (an exponential moving average). */
const MEAN_PIECES = 64;

export const latencyToxic = defineLinkToxic({
  type: 'latency',
  summary: 'delay every chunk by latency ± jitter ms (distribution uniform|normal|pareto|paretonormal, correlation %)',
  schema: z.object({
    latency: intAttribute(),
    jitter: intAttribute(),
    distribution: z.enum(JITTER_DISTRIBUTIONS).default('uniform'),
    correlation: z.number().min(0).max(100).default(0),
  }),
  propagation: true,
  stage(ctx) {
    const { latency, jitter, distribution, correlation } = ctx.attributes;
    const queue = new ScheduledQueue(ctx.emit);
    const source = new JitterSource(distribution, correlation, ctx.random);
    // With jitter a piece also waits for the one before it (FIFO), so pieces take longer than
    // `latency` on average: what is in flight at a rate is that mean's worth (a sender holding
    // only latency's worth idles its bottleneck: lossy-mobile's 40 ms paretonormal cost 5 %).
    let meanDelay = latency;
    return {
      get delayMs() {
        return meanDelay;
      },
      push(piece) {
        let delay = latency;
        if (jitter > 0) {
          delay = Math.max(0, latency + jitter * source.next());
          ctx.record('delay', delay);
        }
        queue.schedule(piece, piece.at + delay);
        if (jitter > 0) meanDelay += (queue.lastRelease - piece.at - meanDelay) / MEAN_PIECES;
      },
      drain: () => queue.drain(),
    };
  },
});
