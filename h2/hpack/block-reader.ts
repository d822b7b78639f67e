/**
 * The decoder's read position in one header block. The primitives (integer, string) advance it;
 * every read checks `end` first, so a truncated block is an HpackError, never a Buffer exception.
 */
export class BlockReader {
  buf: Buffer = Buffer.alloc(0);
  pos = 0;
  end = 0;

  /** Points the reader at block[start, end); the decoder calls this once per block. */
  reset(buf: Buffer, start: number, end: number): void {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }
}
