/** Link test helpers: the loopback pair, and waiting for bytes at the peer. */
import type { Socket } from 'node:net';
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
