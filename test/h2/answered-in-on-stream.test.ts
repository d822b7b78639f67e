/**
 * A server handler may answer a stream inside onStream, before it has returned the stream's
 * handler: a response head with END_STREAM to a request that already ended (a GET) closes the
 * stream there and then. The handler it returns still hears the request's end and the stream's
 * close, once each, as it does for a stream answered later; a stream answered later is the
 * control.
 */
import { expect, it } from 'vitest';
import type { StreamHandler } from '../../h2/proto/stream.js';
import { collect, connectH2, request } from '../helpers/h2-client.js';
import { waitFor } from '../helpers/wait.js';
import { enginePeersPerTest, startEngineServer } from './engine-server.js';

const peers = enginePeersPerTest();

it('a stream answered with END_STREAM inside onStream: its handler hears onEnd and onClose, as one answered after', async () => {
  const heard: string[] = [];
  peers.server = await startEngineServer({
    onStream: (stream, head) => {
      const handler: StreamHandler = {
        onEnd: () => heard.push(`${head.path} end`),
        onClose: () => heard.push(`${head.path} close`),
        onReset: (code) => heard.push(`${head.path} reset ${code}`),
      };
      if (head.path === '/now') stream.respond(204, [], true);
      else queueMicrotask(() => stream.respond(204, [], true));
      return handler;
    },
  }, { tls: false });
  peers.session = await connectH2(peers.server.url);
  expect((await collect(request(peers.session, '/now'))).status).toBe(204);
  expect((await collect(request(peers.session, '/later'))).status).toBe(204);
  await waitFor('both streams closed', () => heard.filter((h) => h.endsWith('close')).length === 2).catch((err: Error) => {
    throw new Error(`${err.message}: heard ${JSON.stringify(heard)}`);
  });
  expect(heard).toEqual(['/now end', '/now close', '/later end', '/later close']);
});
