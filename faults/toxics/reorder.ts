/**
 * reorder: DATA frames of one stream may be overtaken by frames of other streams, within a window
 * of `window` frames, each DATA frame held with `probability`. What HTTP/2 needs stays intact:
 * only DATA is ever held, so HEADERS/CONTINUATION keep their HPACK order; a stream's own frames
 * never pass each other (a frame of a stream with held DATA waits behind it); connection frames
 * (stream 0) keep their place (everything held goes out before them).
 */
import { z } from 'zod';
import { FrameType } from '../../h2/frame/constants.js';
import type { EmitFrame } from '../../h2/proto/frame-writer.js';
import type { OutboundFrame } from '../../h2/proto/pending-frames.js';
import { defineFrameToxic, tunnelsAttribute } from './frame-toxic.js';

export const reorderToxic = defineFrameToxic({
  type: 'reorder',
  summary: 'hold DATA frames (probability each) so frames of other streams overtake them, within window frames; acts on frames to the client whatever the stream attribute; tunnel streams (WebSockets over HTTP/2) only with tunnels: true',
  schema: z.object({
    window: z.number().int().min(1).max(1024).default(4),
    probability: z.number().min(0).max(1).default(0.5),
    tunnels: tunnelsAttribute,
  }),
  open({ window, probability }, { rng, record }) {
    /** Held frames in arrival order, with how many frames have overtaken each. */
    const held: Array<{ frame: OutboundFrame; overtakenBy: number }> = [];
    const heldStreams = new Map<number, number>();

    const release = (index: number, emit: EmitFrame): void => {
      const { frame } = held.splice(index, 1)[0]!;
      const id = frame.header.streamId;
      const left = heldStreams.get(id)! - 1;
      if (left === 0) heldStreams.delete(id);
      else heldStreams.set(id, left);
      emit(frame);
    };
    const releaseWhere = (match: (frame: OutboundFrame) => boolean, emit: EmitFrame): void => {
      for (let i = 0; i < held.length; ) {
        if (match(held[i]!.frame)) release(i, emit);
        else i++;
      }
    };
    const hold = (frame: OutboundFrame): void => {
      held.push({ frame, overtakenBy: 0 });
      heldStreams.set(frame.header.streamId, (heldStreams.get(frame.header.streamId) ?? 0) + 1);
    };

    return {
      outbound(frame, emit) {
        const { streamId, type } = frame.header;
        if (streamId === 0) {
          releaseWhere(() => true, emit);
          emit(frame);
          return;
        }
        if (heldStreams.has(streamId)) {
          if (type === FrameType.DATA) {
            hold(frame);
            return;
          }
          releaseWhere((f) => f.header.streamId === streamId, emit);
        } else if (type === FrameType.DATA && held.length < window && rng.next() < probability) {
          record('hold', streamId);
          hold(frame);
          return;
        }
        emit(frame);
        for (const h of held) h.overtakenBy++;
        // Counts only grow with age, so the due frames are at the head, oldest first.
        while (held.length > 0 && held[0]!.overtakenBy >= window) release(0, emit);
      },
      flush(emit) {
        releaseWhere(() => true, emit);
      },
    };
  },
});
