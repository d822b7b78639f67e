/**
 * timeout: holds all data; after `timeout` ms drops it and closes the connection (0: holds
 * forever). Removing the toxic closes the connections it held, as Toxiproxy's Cleanup does.
 */
import { z } from 'zod';
import type { Piece } from '../link/piece.js';
import { intAttribute, registerLinkToxic } from './link-toxic.js';

export const timeoutToxic = registerLinkToxic({
  type: 'timeout',
  summary: 'stop all data and close the connection after timeout ms (0: never close)',
  schema: z.object({ timeout: intAttribute() }),
  stage(ctx) {
    const held: Piece[] = [];
    const expire = (): void => {
      for (const piece of held.splice(0)) ctx.drop(piece, 'timeout');
      ctx.close('timeout');
    };
    const timer = ctx.attributes.timeout > 0 ? setTimeout(expire, ctx.attributes.timeout) : undefined;
    return {
      push: (piece) => void held.push(piece),
      drain() {
        clearTimeout(timer);
        return held.splice(0);
      },
      removed: expire,
    };
  },
});
