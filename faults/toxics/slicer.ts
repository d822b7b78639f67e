/**
 * slicer: cuts data into slices of average_size ± size_variation bytes, `delay` µs apart (a wait
 * follows every slice, as in Toxiproxy). average_size 0 leaves data whole.
 */
import { z } from 'zod';
import { cutPiece } from '../link/piece.js';
import { ScheduledQueue } from '../link/scheduled-queue.js';
import { intAttribute, defineLinkToxic } from './link-toxic.js';

export const slicerToxic = defineLinkToxic({
  type: 'slicer',
  summary: 'cut data into average_size ± size_variation byte slices, delay µs apart',
  schema: z.object({ average_size: intAttribute(), size_variation: intAttribute(), delay: intAttribute() }),
  stage(ctx) {
    const { average_size: average, size_variation: variation } = ctx.attributes;
    const gapMs = ctx.attributes.delay / 1000;
    const queue = new ScheduledQueue(ctx.emit);
    let nextFree = -Infinity;
    return {
      push(piece) {
        const sizes: number[] = [];
        if (average > 0 && !piece.end) {
          for (let left = piece.data.length; left > 0; ) {
            const size = Math.max(1, Math.min(left, average + (variation > 0 ? ctx.random.int(-variation, variation) : 0)));
            sizes.push(size);
            left -= size;
          }
          ctx.record('slices', sizes.length);
        }
        let t = Math.max(piece.at, nextFree);
        for (const slice of sizes.length > 1 ? cutPiece(piece, sizes) : [piece]) {
          queue.schedule(slice, t);
          t += gapMs;
        }
        nextFree = t;
      },
      drain: () => queue.drain(),
    };
  },
});
