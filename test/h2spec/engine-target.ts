/**
 * h2race's own engine (h2/, server role) as an h2spec target, on the engine's test server
 * (TLS with ALPN h2, or h2c): each request's body is read (and its flow-control credit given
 * back), then the answer is 200 with TARGET_BODY, as h2spec expects of a server.
 */
import type { ConnectionOptions, ServerHandler } from '../../h2/proto/connection.js';
import { startEngineServer } from '../h2/engine-server.js';
import { TARGET_BODY, type H2specTarget } from './run-case.js';

const answerAfterBody: ServerHandler = {
  onStream(stream) {
    return {
      onData: (chunk) => stream.consumed(chunk.length),
      onEnd: () => {
        stream.respond(200, ['content-type', 'text/plain']);
        stream.write(TARGET_BODY);
        stream.end();
      },
    };
  },
};

export async function startEngineTarget(opts: { tls: boolean; options?: ConnectionOptions }): Promise<H2specTarget> {
  const server = await startEngineServer(answerAfterBody, opts);
  return { host: '127.0.0.1', port: server.port, tls: opts.tls, close: () => server.close() };
}
