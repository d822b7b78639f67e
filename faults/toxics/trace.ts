/**
 * trace (h2race's own): replays a Mahimahi delivery trace. The trace clock starts with the stage;
 * each opportunity lets up to 1500 bytes leave, and an opportunity that finds nothing queued is
 * lost, as on the recorded link. Leftover room in a partly used opportunity serves the next data
 * if it was already waiting. The trace is read when the toxic is added (each add reads it again).
 */
import { z } from 'zod';
import { cutPiece } from '../link/piece.js';
import { ScheduledQueue } from '../link/scheduled-queue.js';
import { firstAtOrAfter, loadTrace, OPPORTUNITY_BYTES, TraceError, traceFileSchema, type DeliveryTrace } from '../profiles/trace-loader.js';
import { defineLinkToxic } from './link-toxic.js';
import { attributeError } from './registry.js';

export const traceToxic = defineLinkToxic({
  type: 'trace',
  summary: 'replay a Mahimahi delivery trace (file: one ms timestamp per 1500-byte opportunity, looping)',
  schema: z.object({ file: traceFileSchema }),
  load({ file }): DeliveryTrace {
    try {
      return loadTrace(file);
    } catch (err) {
      if (!(err instanceof TraceError)) throw err;
      throw attributeError('file', err.message);
    }
  },
  stage(ctx, { times, period }) {
    const start = ctx.now();
    const queue = new ScheduledQueue(ctx.emit);
    let cycle = 0;
    let index = 0;
    let room = OPPORTUNITY_BYTES;
    const time = (): number => start + cycle * period + times[index]!;
    const advance = (): void => {
      room = OPPORTUNITY_BYTES;
      if (++index === times.length) {
        index = 0;
        cycle++;
      }
    };
    // Mahimahi's clock ticks in ms: data that arrives during ms t may use t's opportunities.
    const tick = (at: number): number => Math.floor(at - start);
    const seek = (rel: number): void => {
      cycle = Math.floor(rel / period);
      index = firstAtOrAfter(times, rel - cycle * period);
      room = OPPORTUNITY_BYTES;
      if (index === times.length) {
        index = 0;
        cycle++;
      }
    };
    return {
      push(piece) {
        if (piece.end) return queue.schedule(piece, Math.max(piece.at, queue.lastRelease));
        const arrival = tick(piece.at);
        if (cycle * period + times[index]! < arrival) seek(arrival);
        const sizes: number[] = [];
        const releases: number[] = [];
        for (let left = piece.data.length; left > 0; ) {
          const take = Math.min(room, left);
          const t = time();
          if (releases.length > 0 && releases[releases.length - 1] === t) sizes[sizes.length - 1]! += take;
          else {
            sizes.push(take);
            releases.push(t);
          }
          left -= take;
          room -= take;
          if (room === 0) advance();
        }
        const parts = sizes.length > 1 ? cutPiece(piece, sizes) : [piece];
        parts.forEach((part, i) => queue.schedule(part, Math.max(releases[i]!, piece.at)));
      },
      drain: () => queue.drain(),
    };
  },
});
