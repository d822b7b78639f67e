import { afterEach, describe, expect, it } from 'vitest';
import { createBufferPool } from '../../faults/pool/create-pool.js';
import { closeClient, connect, get, startFrameServer, type FrameServer } from './harness.js';

let server: FrameServer | undefined;
afterEach(async () => {
  await server?.close();
  expect(server?.pool.stats().inUse).toBe(0);
  server = undefined;
});

describe.each([false, true])('frame path smoke (tls=%s)', (tls) => {
  it('serves requests through the frame path', async () => {
    const body = Buffer.alloc(200_000, 7);
    server = await startFrameServer({
      tls,
      pool: createBufferPool('retain'),
      handler: (stream) => {
        stream.respond({ ':status': 200 });
        stream.end(body);
      },
    });
    const client = connect(server);
    const results = await Promise.all([get(client, '/a'), get(client, '/b')]);
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(r.body.equals(body)).toBe(true);
    }
    await closeClient(client);
    console.log(server.pool.stats());
  });
});
