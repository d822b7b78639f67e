/**
 * Bug models through the Toxiproxy API: an h2race proxy made with `bugModels` runs its front with
 * them (a refused burst then costs the connection its next request: COMPRESSION_ERROR), shows them
 * in its JSON, and a contradictory pair is a 400 naming it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../h2/frame/constants.js';
import { createH2raceStarter } from '../../api/h2race-starter.js';
import { startDemoOrigin, type DemoOrigin } from '../../origin/demo-origin.js';
import { connectClient, exchange } from '../h2/client/engine-client.js';
import { testCert } from '../helpers/tls-cert.js';
import { portOf, raw, startTestApi, type TestApi } from './harness.js';

let t: TestApi;
let origin: DemoOrigin;

beforeAll(async () => {
  const { certPath, keyPath } = await testCert();
  origin = await startDemoOrigin({ h2c: { host: '127.0.0.1', port: 0 } });
  // One stream at a time on the fronts: the second and third of a burst are refused.
  t = await startTestApi({ startH2race: createH2raceStarter({ cert: certPath, key: keyPath, shutdownTimeoutMs: 500, downstream: { settings: { maxConcurrentStreams: 1 } } }) });
});
afterAll(async () => {
  await t?.close();
  await origin?.close();
});

describe('bug models through the API', () => {
  it('an h2race proxy made with hpack-drop-refused loses the connection after a refused burst', async () => {
    const res = await raw(t.url, 'POST', '/proxies', JSON.stringify({ name: 'desync', kind: 'h2race', bugModels: ['hpack-drop-refused'], listen: '127.0.0.1:0', upstream: origin.urls.h2c }));
    expect(res.status, res.text).toBe(201);
    const created = JSON.parse(res.text);
    expect(created).toMatchObject({ name: 'desync', kind: 'h2race', bugModels: ['hpack-drop-refused'] });
    const client = connectClient(portOf(created.listen), true);
    try {
      const burst = ['b-1', 'b-2', 'b-3'].map((id) => exchange(client.connection, '/headers', { fields: ['x-request-id', id] }));
      const outcomes = await Promise.all(burst.map((e) => e.done));
      expect(outcomes.slice(1).map((o) => (o.kind === 'reset' ? o.code : -1))).toEqual([ErrorCode.REFUSED_STREAM, ErrorCode.REFUSED_STREAM]);
      const next = await exchange(client.connection, '/headers', { fields: ['x-request-id', 'b-3'] }).done;
      expect(next).toEqual({ kind: 'reset', code: ErrorCode.COMPRESSION_ERROR, cause: 'unprocessed' });
    } finally {
      client.socket.destroy();
    }
  });

  it('a model with its own twin is a 400 naming both', async () => {
    const res = await raw(t.url, 'POST', '/proxies', JSON.stringify({ name: 'both', kind: 'h2race', bugModels: ['hpack-drop-refused', 'hpack-decode-refused'], listen: '127.0.0.1:0', upstream: origin.urls.h2c }));
    expect(res.status).toBe(400);
    expect(res.text).toContain('bug models hpack-drop-refused and hpack-decode-refused contradict each other');
  });
});
