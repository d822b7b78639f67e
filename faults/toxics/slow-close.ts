/** slow_close: data passes; the end of the stream is held `delay` ms before the FIN. */
import { z } from 'zod';
import { ScheduledQueue } from '../link/scheduled-queue.js';
import { intAttribute, defineLinkToxic } from './link-toxic.js';

export const slowCloseToxic = defineLinkToxic({
  type: 'slow_close',
  summary: 'hold the connection close for delay ms after the end of the stream',
  schema: z.object({ delay: intAttribute() }),
  stage(ctx) {
    const queue = new ScheduledQueue(ctx.emit);
    return {
      push: (piece) => queue.schedule(piece, piece.end ? piece.at + ctx.attributes.delay : piece.at),
      drain: () => queue.drain(),
    };
  },
});
