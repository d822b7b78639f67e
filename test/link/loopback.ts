/** Link test helpers: the loopback pair, waiting for bytes at the peer, and timing a write through. */
import type { Socket } from 'node:net';
import type { LoopbackPair } from '../../faults/link/loopback-pair.js';
export { loopbackPair, type LoopbackPair } from '../../faults/link/loopback-pair.js';

/** Resolves with the time (performance.now()) at which `peer` has received `bytes` bytes. */
export function receiveBytes(peer: Socket, bytes: number): Promise<{ at: number; data: Buffer }> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let got = 0;
    const onData = (d: Buffer): void => {
      parts.push(d);
      got += d.length;
      if (got >= bytes) {
        peer.off('data', onData);
        resolve({ at: performance.now(), data: Buffer.concat(parts) });
      }
    };
    peer.on('data', onData);
    peer.once('error', reject);
  });
}

/** ms from writing `bytes` bytes into the pair's link until its peer has them all. */
export async function probe(p: LoopbackPair, bytes = 1): Promise<number> {
  const got = receiveBytes(p.peer, bytes);
  const t0 = performance.now();
  p.linked.write(Buffer.alloc(bytes, 1));
  return (await got).at - t0;
}
