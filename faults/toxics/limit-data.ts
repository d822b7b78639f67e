/** limit_data: lets `bytes` bytes through, then closes the connection; what follows is dropped. */
import { z } from 'zod';
import { cutPiece } from '../link/piece.js';
import { intAttribute, registerLinkToxic } from './link-toxic.js';

export const limitDataToxic = registerLinkToxic({
  type: 'limit_data',
  summary: 'close the connection once bytes bytes have passed',
  schema: z.object({ bytes: intAttribute() }),
  stage(ctx) {
    let left = ctx.attributes.bytes;
    let closed = false;
    return {
      push(piece) {
        if (closed) return ctx.drop(piece, 'limit_data reached');
        if (piece.end) return ctx.emit(piece);
        if (piece.data.length < left) {
          left -= piece.data.length;
          return ctx.emit(piece);
        }
        if (left > 0) {
          const [head, tail] = cutPiece(piece, [left]);
          ctx.emit(head!);
          if (tail) ctx.drop(tail, 'limit_data reached');
        } else {
          ctx.drop(piece, 'limit_data reached');
        }
        left = 0;
        closed = true;
        ctx.close('end');
      },
      drain: () => [],
    };
  },
});
