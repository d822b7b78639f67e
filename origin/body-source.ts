/**
 * What a ranged route serves: a sized body that opens a stream for any inclusive byte range.
 * Streams are produced on demand (backpressure from the response decides the pace), so a 64 MiB
 * or 1 GiB body never sits in memory.
 */
import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fillVideo } from './content.js';

export interface BodySource {
  readonly size: number;
  readonly contentType: string;
  /** A stream of bytes start..end (inclusive). Destroying it releases everything it holds. */
  open(start: number, end: number): Readable;
}

const CHUNK = 16 * 1024;

/** The deterministic demo video of `size` bytes (origin/content.ts). */
export function generatedVideo(size: number): BodySource {
  return {
    size,
    contentType: 'application/octet-stream',
    open(start, end) {
      let next = start;
      return new Readable({
        highWaterMark: 4 * CHUNK,
        read() {
          if (next > end) {
            this.push(null);
            return;
          }
          const n = Math.min(CHUNK, end - next + 1);
          const buf = Buffer.allocUnsafe(n);
          fillVideo(buf, next);
          next += n;
          this.push(buf);
        },
      });
    },
  };
}

/** A file on disk (the browser test's real mp4). */
export function fileSource(path: string, contentType: string): BodySource {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (err) {
    throw new Error(`video file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  return {
    size,
    contentType,
    open: (start, end) => createReadStream(path, { start, end, highWaterMark: 4 * CHUNK }),
  };
}
