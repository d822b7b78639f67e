/** Every link toxic on the downstream link under the frame path: bodies intact where the toxic
 * keeps data, the connection fails cleanly where it cuts it, and no lease leaks either way. */
import { describe, expect, it } from 'vitest';
import { createBufferPool } from '../../faults/pool/create-pool.js';
import { closeClient, closeFrameServerAfterEach, connect, get, startFrameServer, type FrameServer } from './harness.js';

const BODY = Buffer.alloc(200_000, 4);

const KEEPS_DATA: Array<[string, Record<string, unknown>]> = [
  ['latency', { latency: 20, jitter: 10 }],
  ['bandwidth', { rate: 2000 }],
  ['slicer', { average_size: 500, size_variation: 100, delay: 1 }],
  ['loss', { percent: 2, rto: 20 }],
  ['slow_close', { delay: 50 }],
  ['noop', {}],
];
const CUTS_DATA: Array<[string, Record<string, unknown>]> = [
  ['limit_data', { bytes: 5000 }],
  ['timeout', { timeout: 100 }],
  ['reset_peer', { timeout: 50 }],
];

let server: FrameServer | undefined;
closeFrameServerAfterEach(() => {
  const s = server;
  server = undefined;
  return s;
});

function start(tls: boolean, type: string, attributes: Record<string, unknown>): Promise<FrameServer> {
  return startFrameServer({
    tls,
    pool: createBufferPool('retain'),
    toxics: [{ type, stream: 'downstream', attributes }],
    handler: (stream) => {
      stream.on('error', () => {});
      stream.respond({ ':status': 200 });
      stream.end(BODY);
    },
  });
}

describe.each([false, true])('link toxics under the frame path (tls=%s)', (tls) => {
  it.each(KEEPS_DATA)('%s: bodies arrive intact', async (type, attributes) => {
    server = await start(tls, type, attributes);
    const client = connect(server);
    const results = await Promise.all([get(client, '/a'), get(client, '/b')]);
    for (const r of results) expect(r.body.equals(BODY)).toBe(true);
    await closeClient(client);
  });

  it.each(CUTS_DATA)('%s: the request fails, the connection ends, nothing leaks', async (type, attributes) => {
    server = await start(tls, type, attributes);
    const client = connect(server);
    const outcome = await Promise.race([
      get(client, '/').then(
        (r) => (r.body.equals(BODY) ? 'complete' : 'truncated'),
        () => 'failed',
      ),
      new Promise<string>((resolve) => setTimeout(() => resolve('stalled'), 3000).unref()),
    ]);
    expect(outcome).not.toBe('complete');
    client.destroy();
  });
});
