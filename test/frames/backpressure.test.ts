/**
 * The engine path's backpressure: the engine frames DATA only while the frames ahead of the
 * socket stay under the threshold (its maxSendAheadBytes) — so a slow link queues the threshold,
 * not whatever the client's windows allow; a threshold under one frame still lets one go at a time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createBufferPool } from '../../faults/pool/create-pool.js';
import { closeClient, connect, get, startFrameServer, type FrameServer } from './harness.js';

const BODY = Buffer.alloc(2 * 1024 * 1024, 3);
/** 2 MB/s: 2 MiB takes ~1 s, so the engine could run far ahead of the link. */
const SLOW = [{ type: 'bandwidth', stream: 'downstream', attributes: { rate: 2000 } }];
const MAX_FRAME_BUFFER = 16_393;

let server: FrameServer | undefined;
afterEach(async () => {
  await server?.close();
  expect(server?.pool.stats().inUse).toBe(0);
  server = undefined;
});

async function download(backpressureBytes: number): Promise<number> {
  server = await startFrameServer({
    tls: false,
    pool: createBufferPool('retain'),
    toxics: SLOW,
    backpressureBytes,
    // The body arrives in 64 KiB pieces, as from an upstream.
    handler: (stream) => {
      stream.respond({ ':status': 200 });
      let at = 0;
      const next = (): void => {
        if (stream.destroyed) return;
        if (at >= BODY.length) return void stream.end();
        const piece = BODY.subarray(at, (at += 64 * 1024));
        if (stream.write(piece)) setImmediate(next);
        else stream.once('drain', next);
      };
      next();
    },
  });
  const client = connect(server, { initialWindowSize: 16 * 1024 * 1024 });
  client.once('connect', () => client.setLocalWindowSize(32 * 1024 * 1024));
  const response = await get(client, '/');
  expect(response.body.equals(BODY)).toBe(true);
  await closeClient(client);
  return server.paths[0]!.peakPendingBytes;
}

describe('engine path backpressure', () => {
  it.each([128 * 1024, 512 * 1024])('threshold %i bytes: the queue fills up to it and never past it', async (threshold) => {
    const peak = await download(threshold);
    expect(peak).toBeLessThanOrEqual(threshold);
    expect(peak).toBeGreaterThan(threshold - MAX_FRAME_BUFFER);
  });

  it('threshold 0: one full frame at a time, and the body still arrives whole', async () => {
    const peak = await download(0);
    expect(peak).toBe(MAX_FRAME_BUFFER);
  });

  it('a threshold above the body lets the engine run far ahead', async () => {
    const peak = await download(64 * 1024 * 1024);
    expect(peak).toBeGreaterThan(1024 * 1024);
  });
});
