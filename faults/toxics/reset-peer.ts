/** reset_peer: after the first data arrives, waits `timeout` ms, then resets the connection
 * (RST). Data is held, never delivered, as in Toxiproxy. */
import { z } from 'zod';
import type { Piece } from '../link/piece.js';
import { intAttribute, defineLinkToxic } from './link-toxic.js';

export const resetPeerToxic = defineLinkToxic({
  type: 'reset_peer',
  summary: 'reset the connection (RST) timeout ms after the first data',
  schema: z.object({ timeout: intAttribute() }),
  stage(ctx) {
    const held: Piece[] = [];
    let timer: NodeJS.Timeout | undefined;
    return {
      push(piece) {
        held.push(piece);
        timer ??= setTimeout(() => ctx.close('reset'), ctx.attributes.timeout);
      },
      drain() {
        clearTimeout(timer);
        return held.splice(0);
      },
    };
  },
});
