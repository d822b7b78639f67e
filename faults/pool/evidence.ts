import { frameTypeName } from '../frames/constants.js';
import type { RaceRecord } from './types.js';

/** One race as a sentence: which stream's bytes landed in which stream's pending frame. */
export function describeRace({ pending, reusedFor }: RaceRecord): string {
  return (
    `conn ${pending.connection}: stream ${pending.streamId}'s ${frameTypeName(pending.frameType)} frame ` +
    `(${pending.length} bytes) was still pending when its buffer was reused for stream ` +
    `${reusedFor.streamId}'s ${frameTypeName(reusedFor.frameType)} frame (${reusedFor.length} bytes, ` +
    `conn ${reusedFor.connection}): the pending write sends stream ${reusedFor.streamId}'s bytes` +
    (reusedFor.length < pending.length ? ` followed by ${pending.length - reusedFor.length} stale bytes read as a frame header` : '')
  );
}
