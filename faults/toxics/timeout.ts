/**
 * timeout: holds all data; after `timeout` ms drops it and closes the connection (0: holds
 * forever). Removing the toxic drops what it held and closes every connection of its direction
 * (also those where its toxicity roll failed), as Toxiproxy's Cleanup does.
 */
import { z } from 'zod';
import type { Piece } from '../link/piece.js';
import { intAttribute, defineLinkToxic } from './link-toxic.js';

export const timeoutToxic = defineLinkToxic({
  type: 'timeout',
  summary: 'stop all data and close the connection after timeout ms (0: never close)',
  schema: z.object({ timeout: intAttribute() }),
  closesWhenRemoved: true,
  stage(ctx) {
    const held: Piece[] = [];
    const dropHeld = (): void => {
      for (const piece of held.splice(0)) ctx.drop(piece, 'timeout');
    };
    const timer =
      ctx.attributes.timeout > 0
        ? setTimeout(() => {
            dropHeld();
            ctx.close('timeout');
          }, ctx.attributes.timeout)
        : undefined;
    return {
      push: (piece) => void held.push(piece),
      drain() {
        clearTimeout(timer);
        return held.splice(0);
      },
      removed: dropHeld,
    };
  },
});
