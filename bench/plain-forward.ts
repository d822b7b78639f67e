/**
 * Bench child: the floor h2race is measured against — a plain node:http2 reverse proxy (TLS h2
 * front, one h2c session to the origin) with no frame path, no pool and no link. Whatever h2race
 * costs beyond this row is its own; whatever this row costs beyond direct is node:http2's.
 */
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { childConfig, serveRole } from './child-side.js';

export interface PlainForwardConfig {
  cert: string;
  key: string;
  upstreamPort: number;
}

// Connection-specific headers may not cross an HTTP/2 hop (RFC 9113 §8.2.2).
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te']);

function forwardable(headers: http2.IncomingHttpHeaders): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
  }
  return out;
}

serveRole(async () => {
  const config = childConfig<PlainForwardConfig>();
  const upstream = http2.connect(`http://127.0.0.1:${config.upstreamPort}`, {
    settings: { initialWindowSize: 16 * 1024 * 1024 },
  });
  upstream.on('error', () => undefined); // a broken upstream shows up as 502s on the streams
  const server = http2.createSecureServer({
    cert: config.cert,
    key: config.key,
    maxSessionMemory: 64,
    settings: { maxConcurrentStreams: 1000 },
  });
  const sessions = new Set<http2.Http2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  server.on('stream', (downstream, headers, flags) => {
    const request = forwardable(headers);
    request[':scheme'] = 'http';
    const bodyless = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
    const upstreamStream = upstream.request(request, { endStream: bodyless });
    if (!bodyless) downstream.pipe(upstreamStream);
    upstreamStream.on('response', (responseHeaders) => {
      if (!downstream.destroyed) downstream.respond(forwardable(responseHeaders));
    });
    upstreamStream.pipe(downstream);
    upstreamStream.on('error', () => {
      if (!downstream.headersSent && !downstream.destroyed) downstream.respond({ ':status': 502 }, { endStream: true });
      else downstream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    });
    downstream.on('close', () => {
      if (!upstreamStream.closed) upstreamStream.close(http2.constants.NGHTTP2_CANCEL);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    ports: { https: (server.address() as AddressInfo).port },
    close: async () => {
      for (const session of sessions) session.close();
      upstream.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
});
