/**
 * The bug-model switch reaches the proxy's engine front: with `bugModels: ['hpack-drop-refused']`
 * a client that bursts past the front's SETTINGS_MAX_CONCURRENT_STREAMS loses its connection to
 * COMPRESSION_ERROR on its next request; with the twin `hpack-decode-refused` (and with no model)
 * that request reaches the origin with the headers it was sent with. A contradictory pair is
 * refused with one line.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../h2/frame/constants.js';
import type { BugModel } from '../../h2/proto/bug-models/catalogue.js';
import { startH2race } from '../../proxy/h2race.js';
import { createProxyEvents } from '../../proxy/events.js';
import { connectClient, exchange } from '../h2/client/engine-client.js';
import { cleanupsAfterEach } from '../helpers/cleanups.js';
import { startTestOrigin } from '../helpers/origins.js';

const cleanups = cleanupsAfterEach();

async function proxyWith(bugModels: BugModel[]): Promise<number> {
  const origin = await startTestOrigin('h2c');
  cleanups.push(() => origin.close());
  const h2race = await startH2race({
    events: createProxyEvents(),
    listen: '127.0.0.1:0',
    origin: origin.url,
    shutdownTimeoutMs: 200,
    downstream: { settings: { maxConcurrentStreams: 1 } },
    bugModels,
  });
  cleanups.push(() => h2race.close());
  return h2race.proxy.address.port;
}

describe.each([
  { models: ['hpack-drop-refused'] as BugModel[], desyncs: true },
  { models: ['hpack-decode-refused'] as BugModel[], desyncs: false },
  { models: [] as BugModel[], desyncs: false },
])('front with bug models [$models]', ({ models, desyncs }) => {
  it(`a request after a refused burst ${desyncs ? 'dies with COMPRESSION_ERROR' : 'reaches the origin as sent'}`, async () => {
    const port = await proxyWith(models);
    const client = connectClient(port, true);
    cleanups.push(() => client.socket.destroy());
    // With the preface, before the proxy's SETTINGS: the second and third are refused.
    const burst = ['burst-1', 'burst-2', 'burst-3'].map((id) => exchange(client.connection, '/headers', { fields: ['x-request-id', id] }));
    const outcomes = await Promise.all(burst.map((e) => e.done));
    expect(outcomes.slice(1)).toEqual([
      { kind: 'reset', code: ErrorCode.REFUSED_STREAM, cause: 'unprocessed' },
      { kind: 'reset', code: ErrorCode.REFUSED_STREAM, cause: 'unprocessed' },
    ]);
    expect(JSON.parse(burst[0]!.body().toString())['x-request-id']).toBe('burst-1');

    const bystander = exchange(client.connection, '/headers', { fields: ['x-request-id', 'burst-3'] });
    const outcome = await bystander.done;
    if (desyncs) {
      expect(outcome).toEqual({ kind: 'reset', code: ErrorCode.COMPRESSION_ERROR, cause: 'unprocessed' });
    } else {
      expect(outcome).toEqual({ kind: 'end' });
      expect(JSON.parse(bystander.body().toString())['x-request-id']).toBe('burst-3');
    }
  });
});

it('a window model and its twin together are refused in one line', async () => {
  await expect(
    startH2race({ events: createProxyEvents(), listen: '127.0.0.1:0', origin: 'h2c://127.0.0.1:9', bugModels: ['window-leak-on-reset', 'window-credit-on-reset'] }),
  ).rejects.toThrow(/^proxy options: bugModels: bug models window-leak-on-reset and window-credit-on-reset contradict each other$/);
});
