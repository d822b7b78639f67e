/**
 * The two peers of a client-role test: a raw server scripted by the test and the engine client
 * connected to it.
 *
 * Lifecycle: each one made through `rawPeersAfterEach()` ends after the test that made it, the
 * client's socket before the server (cleanups run in reverse).
 */
import type { ClientConnectionOptions } from '../../../h2/proto/client-connection.js';
import { cleanupsAfterEach } from '../../helpers/cleanups.js';
import { connectClient, type ConnectedClient } from './engine-client.js';
import { startRawServer, type RawServer } from './raw-server.js';

export interface RawPeers {
  server(answer: Parameters<typeof startRawServer>[0]): Promise<RawServer>;
  client(port: number, useTls: boolean, options?: ClientConnectionOptions): ConnectedClient;
}

export function rawPeersAfterEach(): RawPeers {
  const cleanups = cleanupsAfterEach();
  return {
    async server(answer) {
      const server = await startRawServer(answer);
      cleanups.push(() => server.close());
      return server;
    },
    client(port, useTls, options) {
      const client = connectClient(port, useTls, options);
      cleanups.push(() => client.socket.destroy());
      return client;
    },
  };
}
