/** The h2spec port against node:http2's own server, TLS and h2c, default settings and with a stream limit. */
import { describeH2spec } from '../suite.js';
import { startNodeTarget } from './node-target.js';

describeH2spec('node:http2 (TLS)', () => startNodeTarget({ tls: true }));
describeH2spec('node:http2 (h2c)', () => startNodeTarget({ tls: false }));
describeH2spec('node:http2 (TLS, maxConcurrentStreams 100)', () => startNodeTarget({ tls: true, settings: { maxConcurrentStreams: 100 } }), {
  strict: true,
});
