import { once } from 'node:events';
import { connect as netConnect } from 'node:net';
import { connect as h2connect, createServer, type ClientHttp2Session, type Http2Server } from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import { LinkedSocket } from '../../faults/link/linked-socket.js';
import { ToxicSet } from '../../faults/link/toxic-set.js';
import { SeededRandom } from '../../faults/random.js';
import { get } from '../helpers/h2-client.js';

let server: Http2Server | undefined;
let session: ClientHttp2Session | undefined;
afterEach(async () => {
  session?.destroy();
  if (server) {
    server.close();
    await once(server, 'close');
  }
  server = session = undefined;
});

async function h2cServer(): Promise<number> {
  server = createServer((_req, res) => res.end('ok'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

describe('links under node:http2', () => {
  it('speaks HTTP/2 through the link, and upstream latency delays every request', async () => {
    const port = await h2cServer();
    const toxics = new ToxicSet();
    const socket = netConnect(port, '127.0.0.1');
    await once(socket, 'connect');
    const linked = new LinkedSocket({ socket, direction: 'upstream', random: new SeededRandom(5), toxics });
    session = h2connect(`http://127.0.0.1:${port}`, { createConnection: () => linked });
    session.on('error', () => {});
    const t0 = performance.now();
    const first = await get(session, '/');
    expect(first.body.toString()).toBe('ok');
    expect(performance.now() - t0).toBeLessThan(500);

    toxics.add({ type: 'latency', stream: 'upstream', attributes: { latency: 300 } });
    const t1 = performance.now();
    await get(session, '/');
    expect(performance.now() - t1).toBeGreaterThanOrEqual(295);
  });
});
