/**
 * Flow control end to end: a client that stops reading holds back only its own upstream stream
 * (the proxy reads it no faster than that client takes it), while another client's download over
 * the same upstream session runs to the end.
 */
import type * as http2 from 'node:http2';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { RunningProxy } from '../../proxy/start.js';
import { patternBytes, sha256 } from '../helpers/bytes.js';
import { collect, connectH2, request, startTestProxy } from '../helpers/h2-client.js';
import { startTestOrigin, type TestOrigin } from '../helpers/origins.js';
import { waitFor } from '../helpers/wait.js';

const MiB = 1024 * 1024;
let origin: TestOrigin;
let proxy: RunningProxy;
const sessions: http2.ClientHttp2Session[] = [];

beforeAll(async () => {
  origin = await startTestOrigin('h2');
  proxy = await startTestProxy(origin.url);
});
afterAll(async () => {
  for (const s of sessions) s.destroy();
  await proxy.close();
  await origin.close();
});

test('a stalled client back-pressures only its own upstream stream', async () => {
  const stalledClient = await connectH2(proxy.url);
  const busyClient = await connectH2(proxy.url);
  sessions.push(stalledClient, busyClient);

  const stalledSize = 32 * MiB;
  const stalled = request(stalledClient, `/bytes?size=${stalledSize}&tag=stalled`);
  let stalledReceived = 0;
  await new Promise<void>((resolve) => {
    stalled.on('data', (c: Buffer) => {
      if (stalledReceived === 0) {
        stalled.pause();
        resolve();
      }
      stalledReceived += c.length;
    });
  });

  const size = 20 * MiB;
  const fast = await collect(request(busyClient, `/bytes?size=${size}&tag=fast`));
  expect(fast.status).toBe(200);
  expect(sha256(fast.body)).toBe(sha256(patternBytes(0, size)));

  const seen = (tag: string) => origin.streams.find((s) => s.path.endsWith(`tag=${tag}`))!;
  // Both rode the same upstream session.
  expect(seen('stalled').connection).toBe(seen('fast').connection);
  expect(origin.connections).toBe(1);
  // The stalled stream is alive, and the origin could only write what the windows and buffers on
  // the way hold (client window + proxy buffers + 1 MiB upstream stream window), not 32 MiB.
  expect(stalled.closed).toBe(false);
  expect(seen('stalled').rstCode).toBeUndefined();
  const heldBack = seen('stalled').written;
  expect(heldBack).toBeLessThan(8 * MiB);

  // Once the client reads again, the rest of its download arrives.
  stalled.resume();
  await waitFor('the stalled download to finish after resuming', () => stalled.readableEnded, 15_000);
  expect(stalledReceived).toBe(stalledSize);
});
