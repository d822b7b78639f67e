/**
 * How a run tells corrupted bytes from good ones. Two implementations:
 * - demoVerifier: the demo origin's bodies are a pure function of the offset (origin/content.ts),
 *   so every chunk is checked where it arrives, at no network cost;
 * - ReferenceVerifier (reference-verifier.ts): for any other origin, the same byte range is
 *   fetched again over a separate connection and compared.
 */
import { countVideoMismatches, firstVideoMismatch, sseEventData } from '../origin/content.js';

export interface Mismatch {
  /** Bytes that differ. */
  count: number;
  /** Index (in the checked block) of the first that differs, or -1. */
  first: number;
}

export interface ContentVerifier {
  /** Chunks are gathered into blocks of this many bytes before verifyBody (0: every chunk as it comes). */
  readonly blockBytes: number;
  /**
   * Checks `data`, the body bytes at `offset` of the response to GET `path`. `ranged` says the
   * request carried a Range header (so `offset` came from Content-Range).
   */
  verifyBody(path: string, offset: number, data: Buffer, ranged: boolean): Mismatch | Promise<Mismatch>;
  /** Whether an SSE event's data is what the origin sends for that id; undefined when unknowable. */
  verifyEvent(id: number, data: string): boolean | undefined;
  close(): Promise<void>;
}

/** The demo origin: /video and /small are both the video function from their offset. */
export const demoVerifier: ContentVerifier = {
  blockBytes: 0,
  verifyBody(_path, offset, data) {
    const first = firstVideoMismatch(data, offset);
    return { first, count: first < 0 ? 0 : countVideoMismatches(data, offset) };
  },
  verifyEvent: (id, data) => data === sseEventData(id),
  close: async () => {},
};
