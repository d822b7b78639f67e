/**
 * The gRPC client of `compare --grpc` (scenario/grpc-viewer.ts) after a graceful GOAWAY: as a gRPC
 * channel does (and the browser viewer), it opens a new connection for its next calls instead of
 * waiting on the draining one, which its server-streaming Watch call would keep open for ever.
 */
import { expect, test } from 'vitest';
import { GRPC_PATHS, startGrpcOrigin } from '../../origin/grpc-origin.js';
import { runScenario } from '../../scenario/run.js';
import { cleanupsAfterEach } from '../helpers/cleanups.js';

const cleanups = cleanupsAfterEach();

test('a gRPC client whose server says GOAWAY(NO_ERROR) goes on with its calls on a new connection', async () => {
  // grpc-js sends GOAWAY(2^31-1, NO_ERROR) once a connection is this old (±10 %), then waits for
  // its calls to end: the Watch call never does.
  const origin = await startGrpcOrigin('127.0.0.1', 0, { 'grpc.max_connection_age_ms': 600 });
  cleanups.push(() => origin.close());
  const record = await runScenario({ target: origin.url, clients: 'grpc', viewers: 1, durationMs: 2500, seed: 3, seeksPerSecond: 4, smallPerSecond: 4 });
  const why = JSON.stringify({ connections: record.connections, goaways: record.goaways });
  const graceful = record.goaways.filter((g) => g.side === 'server' && g.code === 0);
  expect(graceful.length, why).toBeGreaterThan(0);
  const first = record.connections[0]!;
  const goawayAt = graceful.find((g) => g.connection === first.id)!.atMs;
  expect(record.connections.length, why).toBeGreaterThan(1);
  // Calls opened after the GOAWAY went on another connection, each kind of them.
  const later = record.streams.filter((s) => s.connection !== first.id);
  for (const path of [GRPC_PATHS.fetch, GRPC_PATHS.ping, GRPC_PATHS.watch]) {
    expect(later.filter((s) => s.path === path).length, `${path} ${why}`).toBeGreaterThan(0);
  }
  expect(record.streams.filter((s) => s.connection === first.id && s.startMs > goawayAt + 1).map((s) => s.path), why).toEqual([]);
  // Nothing failed: the replaced connection's calls were ended by the client, not by a fault.
  expect(record.streams.filter((s) => s.outcome === 'failed'), why).toEqual([]);
}, 30_000);
