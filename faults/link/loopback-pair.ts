/** A loopback TCP pair for link tests: the client side wrapped in a LinkedSocket. */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { SeededRandom } from '../../faults/random.js';
import { LinkedSocket, type LinkedSocketOptions } from '../../faults/link/linked-socket.js';

export interface LoopbackPair {
  linked: LinkedSocket;
  /** The server's end: receives what `linked` writes. */
  peer: Socket;
  close(): Promise<void>;
}

export async function loopbackPair(options: Partial<LinkedSocketOptions> = {}): Promise<LoopbackPair> {
  const server: Server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const [peer] = await accepted;
  socket.setNoDelay(true);
  peer.setNoDelay(true);
  const linked = new LinkedSocket({
    socket,
    direction: 'upstream',
    random: new SeededRandom(1, 'test'),
    ...options,
  });
  linked.on('error', () => {});
  peer.on('error', () => {});
  return {
    linked,
    peer,
    async close() {
      linked.destroy();
      peer.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

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
