/**
 * The h2spec port against h2race's proxy fronts as they stand (TLS and h2c, the demo origin
 * behind), to check the port against the figures issue 11 gives for them.
 */
import { startRig } from '../../hostile/rig.js';
import { describeH2spec } from '../suite.js';

async function startFront(tls: boolean) {
  const rig = await startRig({ proxy: { h2cListen: '127.0.0.1:0' } });
  const url = new URL(tls ? rig.proxy.url : rig.proxy.h2cUrl!);
  return { host: '127.0.0.1', port: Number(url.port), tls, close: () => rig.close() };
}

describeH2spec('h2race front (TLS)', () => startFront(true), { strict: true });
describeH2spec('h2race front (h2c)', () => startFront(false), { strict: true });
