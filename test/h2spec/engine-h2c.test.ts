/** Every h2spec server case (and its strict one) against h2race's engine over h2c (prior knowledge). */
import { startEngineTarget } from './engine-target.js';
import { describeH2spec } from './suite.js';

describeH2spec('the engine (h2c)', () => startEngineTarget({ tls: false }), { strict: true });
