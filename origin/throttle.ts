/**
 * Paces bytes to a fixed rate (the `?rate=` parameter): each piece leaves when the bytes before it
 * have had their time at `bytesPerSecond`, measured from the first byte, so pacing does not drift.
 */
import { Transform, type TransformCallback } from 'node:stream';

const PIECE = 16 * 1024;

export class Throttle extends Transform {
  private startedAt = 0;
  private passed = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly bytesPerSecond: number) {
    super({ highWaterMark: PIECE });
    if (!(bytesPerSecond > 0)) throw new RangeError(`throttle rate must be > 0 bytes/s, got ${bytesPerSecond}`);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.startedAt === 0) this.startedAt = Date.now();
    this.emitPieces(chunk, 0, cb);
  }

  private emitPieces(chunk: Buffer, from: number, cb: TransformCallback): void {
    if (from >= chunk.length) return cb();
    const piece = chunk.subarray(from, from + PIECE);
    const due = this.startedAt + ((this.passed + piece.length) / this.bytesPerSecond) * 1000;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.passed += piece.length;
      this.push(piece);
      this.emitPieces(chunk, from + piece.length, cb);
    }, Math.max(0, due - Date.now()));
  }

  override _destroy(err: Error | null, cb: (error: Error | null) => void): void {
    if (this.timer) clearTimeout(this.timer);
    cb(err);
  }
}
