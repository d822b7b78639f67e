/**
 * A loopback TCP pair whose client side is a LinkedSocket: what the link tests and the fidelity
 * bench measure a link on. close() ends both sockets and the server.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { SeededRandom } from '../random.js';
import { LinkedSocket, type LinkedSocketOptions } from './linked-socket.js';

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
    random: new SeededRandom(1, 'loopback'),
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
