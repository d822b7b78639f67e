/**
 * Bench child: Node's own floor for a TLS-terminating hop — a byte pipe, no HTTP/2. Each client
 * connection (TLS, ALPN h2) gets its own TCP connection to the origin's h2c port and the bytes are
 * piped both ways unparsed, so the origin speaks HTTP/2 with h2load itself. What this row costs
 * beyond direct is what any Node process pays for the hop (TLS, two sockets, the event loop's
 * wake-ups), before a single frame is read: at the fixed 400 req/s rate its CPU per request and
 * added latency are the bound a Node proxy such as h2race is held against.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { childConfig, serveRole } from './child-side.js';
import type { PlainForwardConfig } from './plain-forward.js';

serveRole(async () => {
  const config = childConfig<PlainForwardConfig>();
  const pairs = new Set<tls.TLSSocket>();
  const server = tls.createServer({ cert: config.cert, key: config.key, ALPNProtocols: ['h2'] }, (client) => {
    pairs.add(client);
    client.setNoDelay(true);
    const upstream = net.connect(config.upstreamPort, '127.0.0.1');
    upstream.setNoDelay(true);
    client.pipe(upstream);
    upstream.pipe(client);
    // Either side ending or failing ends both: the pair has one lifetime, ending at the client's 'close'.
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => client.destroy());
    client.on('close', () => {
      upstream.destroy();
      pairs.delete(client);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    ports: { https: (server.address() as net.AddressInfo).port },
    close: async () => {
      for (const client of pairs) client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
});
