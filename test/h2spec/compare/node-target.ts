/**
 * node:http2 as an h2spec target, for comparison runs only: a TLS (ALPN h2) or h2c server that
 * reads each request's body and then answers 200 with a body. Its sessions end with close().
 */
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { testCert } from '../../helpers/tls-cert.js';
import { TARGET_BODY, type H2specTarget } from '../run-case.js';

export interface NodeTargetOptions {
  tls: boolean;
  /** SETTINGS the server sends (node:http2 sends none by default). */
  settings?: http2.Settings;
  /** Listen here instead of on an ephemeral port (nghttpx's backend is started first). */
  port?: number;
}

/** Reads the request body to its end, then answers 200 with TARGET_BODY. */
function answer(stream: http2.ServerHttp2Stream): void {
  stream.on('error', () => {
    /* a reset stream: nothing to answer */
  });
  stream.resume();
  stream.on('end', () => {
    if (stream.destroyed || stream.closed) return;
    stream.respond({ ':status': 200, 'content-type': 'text/plain' });
    stream.end(TARGET_BODY);
  });
}

export async function startNodeTarget(opts: NodeTargetOptions): Promise<H2specTarget> {
  const { cert, key } = await testCert();
  const server = opts.tls ? http2.createSecureServer({ cert, key, settings: opts.settings }) : http2.createServer({ settings: opts.settings });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    session.on('error', () => {
      /* the peer's protocol errors end the session; the case judges what went on the wire */
    });
  });
  server.on('stream', answer);
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  return {
    host: '127.0.0.1',
    port: (server.address() as AddressInfo).port,
    tls: opts.tls,
    close: async () => {
      for (const session of sessions) session.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
