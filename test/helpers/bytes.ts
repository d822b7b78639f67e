/** Deterministic test bodies: byte i of a pattern body is a fixed function of i. */
import { createHash } from 'node:crypto';

export function patternByte(i: number): number {
  return (i ^ (i >>> 8) ^ (i >>> 16) ^ 0x5a) & 0xff;
}

/** Bytes [start, start + length) of the pattern. */
export function patternBytes(start: number, length: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) b[i] = patternByte(start + i);
  return b;
}

export function sha256(data: Buffer | Buffer[]): string {
  const h = createHash('sha256');
  for (const d of Array.isArray(data) ? data : [data]) h.update(d);
  return h.digest('hex');
}

/** A seeded xorshift stream: not a pattern a framing bug could reproduce by chance. */
export function randomBody(n: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
