import { frameTypeName } from '../../h2/frame/constants.js';
import type { RaceRecord } from './types.js';

/** One race as a sentence: which stream's bytes landed in which stream's pending frame. */
export function describeRace({ pending, reusedFor }: RaceRecord): string {
  const taker = `stream ${reusedFor.streamId}'s ${frameTypeName(reusedFor.frameType)} frame (${reusedFor.length} bytes, conn ${reusedFor.connection})`;
  const sent =
    reusedFor.length < pending.length
      ? `stream ${reusedFor.streamId}'s frame followed by ${pending.length - reusedFor.length} stale bytes the client reads as a frame header`
      : reusedFor.length > pending.length
        ? `the first ${pending.length} bytes of stream ${reusedFor.streamId}'s frame, cut mid-frame`
        : `stream ${reusedFor.streamId}'s frame in place of its own: wrong payload, same length`;
  return (
    `conn ${pending.connection}: stream ${pending.streamId}'s ${frameTypeName(pending.frameType)} frame ` +
    `(${pending.length} bytes) was still pending when its buffer was reused for ${taker}; ` +
    `the pending write sends ${sent}`
  );
}
