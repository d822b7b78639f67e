/** limit_data: lets `bytes` bytes through, then closes the connection; what follows is dropped.
 * The count survives an update of the toxic, as in Toxiproxy. */
import { z } from 'zod';
import { cutPiece, type Piece } from '../link/piece.js';
import { intAttribute, defineLinkToxic } from './link-toxic.js';

export const limitDataToxic = defineLinkToxic({
  type: 'limit_data',
  summary: 'close the connection once bytes bytes have passed',
  schema: z.object({ bytes: intAttribute() }),
  stage(ctx) {
    // One count, in the stage's state so it survives an update; what is left derives from it.
    const state = ctx.state as { passed: number };
    state.passed ??= 0;
    let closed = false;
    const pass = (piece: Piece): void => {
      state.passed += piece.data.length;
      ctx.emit(piece);
    };
    return {
      push(piece) {
        if (closed) return ctx.drop(piece, 'limit_data reached');
        if (piece.end) return ctx.emit(piece);
        const left = ctx.attributes.bytes - state.passed;
        if (piece.data.length < left) return pass(piece);
        if (left > 0) {
          const [head, tail] = cutPiece(piece, [left]);
          pass(head!);
          if (tail) ctx.drop(tail, 'limit_data reached');
        } else {
          ctx.drop(piece, 'limit_data reached');
        }
        closed = true;
        ctx.close('end');
      },
      drain: () => [],
    };
  },
});
