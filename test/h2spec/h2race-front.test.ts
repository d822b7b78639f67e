/**
 * Every h2spec server case (and its strict one) against h2race's proxy fronts (its own engine),
 * TLS and h2c, the demo origin behind over h2c or HTTPS (the
 * engine's client role upstream): what a client of the proxy sees is the engine's protocol
 * behaviour, pool, link and frame toxics in between.
 */
import { startRig } from '../hostile/rig.js';
import { describeH2spec } from './suite.js';

async function startEngineFront(tls: boolean, originScheme: 'h2c' | 'https' = 'h2c') {
  const rig = await startRig({ originScheme, proxy: { h2cListen: '127.0.0.1:0' } });
  const url = new URL(tls ? rig.proxy.url : rig.proxy.h2cUrl!);
  return { host: '127.0.0.1', port: Number(url.port), tls, close: () => rig.close() };
}

describeH2spec('h2race engine front (TLS)', () => startEngineFront(true), { strict: true });
describeH2spec('h2race engine front (h2c)', () => startEngineFront(false), { strict: true });
describeH2spec('h2race engine front (TLS), HTTPS origin', () => startEngineFront(true, 'https'), { strict: true });
