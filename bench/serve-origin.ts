/**
 * Bench child: the demo origin (TLS h2 for the direct baseline, h2c for the proxies' upstream) in
 * its own process, so the proxies' RSS and CPU are measured apart from it.
 */
import { startDemoOrigin } from '../origin/demo-origin.js';
import { childConfig, serveRole } from './child-side.js';

export interface OriginChildConfig {
  cert: string;
  key: string;
}

serveRole(async () => {
  const config = childConfig<OriginChildConfig>();
  const origin = await startDemoOrigin({
    tls: { host: '127.0.0.1', port: 0 },
    h2c: { host: '127.0.0.1', port: 0 },
    cert: { cert: config.cert, key: config.key },
    http2Settings: { maxConcurrentStreams: 1000 },
  });
  return {
    ports: { tls: origin.addresses.tls!.port, h2c: origin.addresses.h2c!.port },
    close: () => origin.close(),
  };
});
