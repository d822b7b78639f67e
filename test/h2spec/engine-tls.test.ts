/** Every h2spec server case (and its strict one) against h2race's engine over TLS (ALPN h2). */
import { startEngineTarget } from './engine-target.js';
import { describeH2spec } from './suite.js';

describeH2spec('the engine (TLS)', () => startEngineTarget({ tls: true }), { strict: true });
