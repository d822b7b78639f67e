/** The h2spec port against nghttpx (node:http2 h2c backend), TLS and h2c fronts. */
import { describeH2spec } from '../suite.js';
import { startNghttpxTarget } from './nghttpx-target.js';

describeH2spec('nghttpx (TLS)', () => startNghttpxTarget({ tls: true }), { strict: true });
describeH2spec('nghttpx (h2c)', () => startNghttpxTarget({ tls: false }));
